/**
 * How failures become HTTP answers. Every error body is `{error, message}` with a stable code, and
 * client mistakes are never reported as 500: only faults of the service itself are. The status of
 * each code is in the one table of src/errors/http.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { frameworkErrorCode, HTTP_ANSWERS, IpstreamError } from '../errors/index.ts';

interface ErrorLike {
  validation?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The single error handler of the app (see buildApp). */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = asErrorLike(error);
  const message = typeof e.message === 'string' ? e.message : 'request failed';
  if (e.validation !== undefined) return reply.code(400).send({ error: 'INVALID_REQUEST', message });
  if (error instanceof IpstreamError) {
    const answer = HTTP_ANSWERS[error.code];
    if (answer !== undefined) {
      if (answer.log !== undefined) request.log[answer.log.level]({ err: error }, answer.log.message);
      if (answer.retryAfterS !== undefined) reply.header('retry-after', String(answer.retryAfterS));
      return reply.code(answer.status).send({ error: error.code, message });
    }
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: frameworkErrorCode(status), message });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .code(404)
    .send({ error: 'NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
}
