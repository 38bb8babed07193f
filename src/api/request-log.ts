/**
 * Request logs at debug level: the dashboard polls several routes every 2 s, and a terminal
 * running `up` should show what happens to the pipeline, not each poll. `LOG_LEVEL=debug` shows
 * one line per request; failures the error handler logs keep their own levels.
 */
import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.trace({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    if (this.isLogDisabled(request)) return;
    const ms = reply.elapsedTime;
    reply.log.debug(
      { req: request, res: reply, responseTime: ms },
      `${request.method} ${request.url} ${reply.statusCode} ${ms.toFixed(1)} ms`,
    );
  }
}
