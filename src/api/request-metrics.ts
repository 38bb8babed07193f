/**
 * Every answer's duration into the request histogram, labelled by the route's pattern
 * (`/api/v1/ips/:ip`), never the path asked for: one series per route, whatever clients send.
 * Requests no route matched (404, 405, a malformed URL) share the route label `unmatched`.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from './metrics.ts';

const UNMATCHED = 'unmatched';

/** Call before any route is registered, so that every route's answers are observed. */
export function registerRequestMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
    metrics.requests.observe(
      { method: request.method, route, code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
