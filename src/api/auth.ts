/**
 * Bearer-token protection of every route that reads the store or the pipeline: /api and the seed's
 * /count/addresses. Health, metrics, docs, the dashboard page and the seed's timestamp formatter
 * (a pure function of its input) stay open: probes and scrapers must work without the token, and
 * the dashboard asks for it itself.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RequestError } from '../errors/index.ts';
import { errorResponse } from './schemas.ts';

const Unauthorized = errorResponse(
  'no Authorization header, or not Bearer with the configured token (UNAUTHORIZED)',
);

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Protected routes outside /api: the seed's address counter answers from the store. */
const PROTECTED_SEED_ROUTES: ReadonlySet<string> = new Set(['/count/addresses']);

/** Whether a route (its registered path, not the raw URL, so no spelling of a URL slips past) is protected. */
function isProtectedRoute(routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return false;
  return routeUrl.startsWith('/api/') || PROTECTED_SEED_ROUTES.has(routeUrl);
}

export function registerBearerAuth(app: FastifyInstance, token: string): void {
  // Comparing digests takes the same time whatever the length or content of the guess.
  const expected = digest(`Bearer ${token}`);
  app.addHook('onRoute', (route) => {
    if (!isProtectedRoute(route.url)) return;
    const response = { ...(route.schema?.response as object | undefined), 401: Unauthorized };
    route.schema = { ...route.schema, security: [{ bearer: [] }], response };
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    // Browsers send CORS preflights without credentials; they reveal nothing.
    if (request.method === 'OPTIONS' || !isProtectedRoute(request.routeOptions.url)) return;
    const header = request.headers.authorization;
    if (typeof header === 'string' && timingSafeEqual(digest(header), expected)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new RequestError('UNAUTHORIZED', 'this route needs the header Authorization: Bearer <token>');
  });
}
