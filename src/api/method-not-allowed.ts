/**
 * A known path asked with a method it does not have answers 405 with an `Allow` header (RFC 9110
 * §15.5.6), not 404: the resource exists. Only paths no route matches at all are 404.
 */
import Router from 'find-my-way';
import type { HTTPMethod } from 'find-my-way';
import type { FastifyInstance } from 'fastify';
import { RequestError } from '../errors/index.ts';

const noop = (): void => undefined;

/** Call before any route is registered: it learns each route's path and method as it is added. */
export function registerMethodNotAllowed(app: FastifyInstance): void {
  // A second router with the same patterns answers "which methods match this path?", which
  // Fastify's own router does not expose.
  const paths = Router();
  const methods = new Set<HTTPMethod>();
  app.addHook('onRoute', (route) => {
    // Wildcards (CORS preflights, static files under /docs) would claim paths that do not exist.
    if (route.url.includes('*')) return;
    for (const method of [route.method].flat() as HTTPMethod[]) {
      paths.on(method, route.url, noop);
      methods.add(method);
    }
  });
  // onRequest, before any body is read: a body method without a content type is still a 405.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0] ?? '/';
    const allowed = [...methods].filter((method) => paths.find(method, path) !== null).sort();
    if (allowed.length === 0) return;
    reply.header('allow', allowed.join(', '));
    throw new RequestError(
      'METHOD_NOT_ALLOWED',
      `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
    );
  });
}
