import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { withApp } from '../../support/api-app.ts';

async function send(app: FastifyInstance, method: string, url: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: method as 'GET', url, headers });
  return {
    status: response.statusCode,
    allow: response.headers.allow,
    body: response.json<{ error: string; message: string }>(),
  };
}

describe('methods a path does not declare', () => {
  it('answer 405 METHOD_NOT_ALLOWED with an Allow header listing the methods the path has', () =>
    withApp({}, async (app) => {
      const cases: [string, string, string][] = [
        ['TRACE', '/readyz', 'GET, HEAD'],
        ['DELETE', '/healthz', 'GET, HEAD'],
        ['PUT', '/api/v1/ips/unique?mode=exact', 'GET, HEAD'],
        ['PATCH', '/api/v1/ips/10.0.0.1', 'GET, HEAD'],
        ['DELETE', '/api/v1/timestamps/parse', 'GET, HEAD, POST'],
        ['POST', '/time/formatter/1726668850', 'GET, HEAD'],
        ['OPTIONS', '/count/addresses', 'GET, HEAD'],
        ['TRACE', '/', 'GET, HEAD'],
      ];
      for (const [method, url, allow] of cases) {
        const answer = await send(app, method, url);
        assert.equal(answer.status, 405, `${method} ${url}`);
        assert.equal(answer.allow, allow, `${method} ${url}`);
        assert.equal(answer.body.error, 'METHOD_NOT_ALLOWED');
        assert.equal(answer.body.message, `${method} is not allowed on ${url.split('?')[0]}; use ${allow}`);
      }
    }));

  it('answer 405 before reading a body, so a body method without a content type is still 405', () =>
    withApp({}, async (app) => {
      const answer = await send(app, 'QUERY', '/api/v1/ips/10.0.0.1');
      assert.equal(answer.status, 405);
      assert.equal(answer.allow, 'GET, HEAD');
    }));

  it('leave unknown paths at 404, whatever the method', () =>
    withApp({}, async (app) => {
      for (const [method, url] of [
        ['GET', '/nope'],
        ['TRACE', '/nope'],
        ['DELETE', '/api/v1/ips'],
        ['GET', '/api/v1/ips/10.0.0.1/more'],
      ] as const) {
        const answer = await send(app, method, url);
        assert.equal(answer.status, 404, `${method} ${url}`);
        assert.equal(answer.allow, undefined);
        assert.equal(answer.body.error, 'NOT_FOUND');
      }
    }));

  it('leave CORS preflights to the CORS route when it is on', () =>
    withApp({ cors: true }, async (app) => {
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/v1/ips/unique' });
      assert.equal(preflight.statusCode, 204);
      assert.equal((await send(app, 'TRACE', '/api/v1/ips/unique')).status, 405);
    }));
});
