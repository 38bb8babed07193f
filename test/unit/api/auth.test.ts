import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getJson, withApp } from '../../support/api-app.ts';

const TOKEN = 's3cret-token';

describe('API token', () => {
  it('requires Authorization: Bearer <token> on every /api route', () =>
    withApp({ apiToken: TOKEN }, async (app) => {
      for (const url of [
        '/api/v1/ips/unique',
        '/api/v1/ips/top?limit=5',
        '/api/v1/ips/10.0.0.1',
        '/api/v1/stats/timeseries',
        '/api/v1/dead-letters',
        '/api/v1/pipeline',
        '/api/v1/timestamps/parse?value=1',
      ]) {
        const attempts: Record<string, string>[] = [
          {},
          { authorization: 'Bearer wrong' },
          { authorization: TOKEN },
          { authorization: `Bearer ${TOKEN} ` },
          { authorization: `bearer${TOKEN}` },
        ];
        for (const headers of attempts) {
          const answer = await getJson(app, url, headers);
          assert.equal(answer.status, 401, `${url} ${JSON.stringify(headers)}`);
          assert.equal(answer.body.error, 'UNAUTHORIZED');
          assert.equal(typeof answer.body.message, 'string');
          assert.equal(answer.headers['www-authenticate'], 'Bearer');
        }
        const ok = await getJson(app, url, { authorization: `Bearer ${TOKEN}` });
        assert.notEqual(ok.status, 401, url);
      }
      // Bad input behind the token is still checked after it, not instead of it.
      assert.equal((await getJson(app, '/api/v1/ips/top?limit=0')).status, 401);
      assert.equal(
        (await getJson(app, '/api/v1/ips/top?limit=0', { authorization: `Bearer ${TOKEN}` })).status,
        400,
      );
    }));

  it('protects the seed route /count/addresses too: it reads the store like /api does', () =>
    withApp({ apiToken: TOKEN }, async (app) => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }];
      for (const headers of attempts) {
        const answer = await getJson(app, '/count/addresses', headers);
        assert.equal(answer.status, 401, JSON.stringify(headers));
        assert.equal(answer.body.error, 'UNAUTHORIZED');
        assert.equal(answer.headers['www-authenticate'], 'Bearer');
      }
      // With the token it gets past auth to the store, which this app has none of.
      const ok = await getJson(app, '/count/addresses', { authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 503);
      assert.equal(ok.body.error, 'STORE_UNAVAILABLE');
      const { body } = await getJson(app, '/openapi.json');
      const paths = body.paths as Record<string, { get?: { security?: unknown } }>;
      assert.deepEqual(paths['/count/addresses']?.get?.security, [{ bearer: [] }]);
    }));

  it('leaves health, metrics, docs, the dashboard and the timestamp seed route open', () =>
    withApp({ apiToken: TOKEN }, async (app) => {
      for (const url of ['/healthz', '/metrics', '/openapi.json', '/', '/dashboard/dashboard.js', '/docs']) {
        const response = await app.inject({ method: 'GET', url });
        assert.ok(response.statusCode < 400, `${url} answered ${response.statusCode}`);
      }
      assert.equal((await getJson(app, '/time/formatter/1726668850124')).status, 200);
    }));

  it('marks the protected routes in OpenAPI', () =>
    withApp({ apiToken: TOKEN }, async (app) => {
      const { body } = await getJson(app, '/openapi.json');
      const paths = body.paths as Record<string, { get?: { security?: unknown } }>;
      assert.deepEqual(paths['/api/v1/ips/unique']?.get?.security, [{ bearer: [] }]);
      assert.equal(paths['/healthz']?.get?.security, undefined);
    }));

  it('is off without a token', () =>
    withApp({}, async (app) => {
      assert.equal((await getJson(app, '/api/v1/ips/top?limit=0')).status, 400);
    }));
});

describe('CORS', () => {
  it('sends no CORS header by default', () =>
    withApp({}, async (app) => {
      const answer = await getJson(app, '/api/v1/timestamps/parse?value=1', { origin: 'https://elsewhere' });
      assert.equal(answer.headers['access-control-allow-origin'], undefined);
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/v1/ips/unique' });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    }));

  it('allows any origin when enabled, and answers preflights even with a token set', () =>
    withApp({ cors: true, apiToken: TOKEN }, async (app) => {
      const answer = await getJson(app, '/api/v1/ips/unique', { origin: 'https://elsewhere' });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['access-control-allow-origin'], '*');
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/ips/unique',
        headers: { origin: 'https://elsewhere', 'access-control-request-headers': 'authorization' },
      });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    }));
});
