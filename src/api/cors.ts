/**
 * Cross-origin access, only when configured: every answer allows any origin, and preflight
 * requests for the API are answered. Off, no CORS header is sent and browsers keep other origins
 * out.
 */
import type { FastifyInstance } from 'fastify';

export function registerCors(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    return payload;
  });
  app.options('/api/*', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', 'authorization, content-type')
      .header('access-control-max-age', '600')
      .send(),
  );
}
