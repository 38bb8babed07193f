import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/index.ts';
import { getJson } from '../../support/api-app.ts';

// Every analytics route refuses bad input with 400 {error, message} before it needs a store, and no
// client value can become a query operator. Without a database, valid requests answer 503.

let app: FastifyInstance;
before(async () => {
  app = await buildApp();
});
after(() => app.close());

async function expectError(url: string, status: number, error?: string | RegExp): Promise<string> {
  const answer = await getJson(app, url);
  assert.equal(answer.status, status, `${url}: ${JSON.stringify(answer.body)}`);
  assert.deepEqual(Object.keys(answer.body).sort(), ['error', 'message'], url);
  if (typeof error === 'string') assert.equal(answer.body.error, error, url);
  if (error instanceof RegExp) assert.match(String(answer.body.error), error, url);
  return String(answer.body.message);
}

describe('analytics validation', () => {
  it('answers 503 STORE_UNAVAILABLE for valid requests when no database is configured', async () => {
    for (const url of [
      '/api/v1/ips/unique',
      '/api/v1/ips/unique?from=2024-09-18&to=2024-09-19',
      '/api/v1/ips/unique?from=2024-01-01&to=2024-06-01&mode=approx',
      '/api/v1/ips/top',
      '/api/v1/ips/top?limit=1000&from=1726617600&to=1726704000',
      '/api/v1/ips/10.0.0.1',
      '/api/v1/ips/2001:DB8::1',
      '/api/v1/stats/timeseries',
      '/api/v1/stats/timeseries?bucket=hour&from=2024-09-01&to=2024-09-30',
      '/api/v1/dead-letters?limit=1',
      '/api/v1/errors',
      '/api/v1/errors?from=2024-09-18T10:00:00.5Z&to=2024-09-19&limit=5',
      '/api/v1/stats/timeseries?errorCode=-404',
      '/count/addresses',
    ]) {
      await expectError(url, 503, 'STORE_UNAVAILABLE');
    }
  });

  it('refuses limits outside 1..1000 and non-integers', async () => {
    for (const limit of ['0', '1001', '-1', '1.5', 'ten', '', '1e9']) {
      await expectError(`/api/v1/ips/top?limit=${limit}`, 400, 'INVALID_REQUEST');
      await expectError(`/api/v1/dead-letters?limit=${limit}`, 400, 'INVALID_REQUEST');
      await expectError(`/api/v1/errors?limit=${limit}`, 400, 'INVALID_REQUEST');
    }
  });

  it('refuses error codes that are not whole numbers, or past the safe integers', async () => {
    for (const code of ['1e3', '1.5', 'abc', '', ' 7', '0x10', '99999999999999999']) {
      await expectError(
        `/api/v1/stats/timeseries?errorCode=${encodeURIComponent(code)}`,
        400,
        'INVALID_REQUEST',
      );
    }
    await expectError('/api/v1/errors?from=2023-02-29', 400, 'TS_IMPOSSIBLE_DATE');
    await expectError('/api/v1/errors?from=2024-09-19&to=2024-09-18', 400, 'RANGE_EMPTY');
  });

  it('refuses unknown modes and bucket sizes', async () => {
    await expectError('/api/v1/ips/unique?mode=fast', 400, 'INVALID_REQUEST');
    await expectError('/api/v1/stats/timeseries?bucket=day', 400, 'INVALID_REQUEST');
  });

  it('refuses unparsable times and names the parameter, keeping the parser code', async () => {
    const message = await expectError('/api/v1/ips/unique?from=2023-02-29', 400, 'TS_IMPOSSIBLE_DATE');
    assert.match(message, /^from: /);
    assert.match(await expectError('/api/v1/ips/top?to=03/12/2021', 400, 'TS_AMBIGUOUS'), /^to: /);
    await expectError('/api/v1/stats/timeseries?from=yesterday', 400, /^TS_/);
    await expectError(`/api/v1/ips/unique?from=${'9'.repeat(101)}`, 400, 'INVALID_REQUEST');
  });

  it('requires from < to', async () => {
    await expectError('/api/v1/ips/unique?from=2024-09-18&to=2024-09-18', 400, 'RANGE_EMPTY');
    await expectError('/api/v1/ips/top?from=2024-09-19&to=2024-09-18', 400, 'RANGE_EMPTY');
    await expectError('/api/v1/stats/timeseries?from=2024-09-19&to=2024-09-18', 400, 'RANGE_EMPTY');
  });

  it('puts no width limit on exact ranges: any valid range gets as far as the store', async () => {
    for (const url of [
      '/api/v1/ips/unique?from=1970-01-01&to=2100-01-01',
      '/api/v1/ips/unique?to=2024-01-01',
      '/api/v1/ips/unique?from=2020-01-01',
      '/api/v1/ips/top?from=2020-01-01&to=2024-03-01',
    ]) {
      await expectError(url, 503, 'STORE_UNAVAILABLE');
    }
  });

  it('limits series to 1440 buckets', async () => {
    const message = await expectError(
      '/api/v1/stats/timeseries?from=2024-01-01&to=2024-01-02T00:01:00Z',
      400,
      'RANGE_TOO_WIDE',
    );
    assert.match(message, /bucket=hour/);
    await expectError('/api/v1/stats/timeseries?bucket=hour&from=2024-01-01&to=2024-03-01T01:00:00Z', 400);
  });

  it('refuses IP paths that are not addresses with 400, and never sees an operator', async () => {
    for (const text of ['{"$ne":1}', '{"$gt":""}', 'localhost', '010.0.0.1', '1.2.3.4.5', '::g', '[::1]']) {
      await expectError(`/api/v1/ips/${encodeURIComponent(text)}`, 400, 'IP_INVALID');
    }
    // A path segment longer than the router allows is refused before any route runs.
    await expectError(`/api/v1/ips/${'1'.repeat(300)}`, 414);
  });

  it('treats bracketed and repeated parameters as bad input, never as operators', async () => {
    for (const url of [
      '/api/v1/ips/unique?from[$gt]=1',
      '/api/v1/ips/unique?from[$gt]=1&to=2',
      '/api/v1/ips/unique?mode[$ne]=exact',
      '/api/v1/ips/top?limit[$gt]=0',
      '/api/v1/ips/top?$where=1',
      '/api/v1/ips/top?from=2024-01-01&from=2024-01-02',
      '/api/v1/ips/top?limit=1&limit=2',
      '/api/v1/stats/timeseries?bucket[$in]=minute',
      '/api/v1/dead-letters?limit[$gt]=0',
      '/api/v1/dead-letters?unknown=1',
      '/api/v1/errors?limit[$gt]=0',
      '/api/v1/stats/timeseries?errorCode[$ne]=0',
    ]) {
      await expectError(url, 400, 'INVALID_REQUEST');
    }
  });

  it('documents every route with its parameters and answers in /openapi.json', async () => {
    const { body } = await getJson(app, '/openapi.json');
    const paths = body.paths as Record<string, Record<string, { parameters?: { name: string }[] }>>;
    for (const path of [
      '/api/v1/ips/unique',
      '/api/v1/ips/top',
      '/api/v1/ips/{ip}',
      '/api/v1/stats/timeseries',
      '/api/v1/errors',
      '/api/v1/dead-letters',
      '/api/v1/pipeline',
      '/count/addresses',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      assert.ok(paths[path]?.get, `${path} is documented`);
    }
    const names = (path: string) => (paths[path]?.get?.parameters ?? []).map((p) => p.name).sort();
    assert.deepEqual(names('/api/v1/ips/unique'), ['from', 'mode', 'to']);
    assert.deepEqual(names('/api/v1/ips/top'), ['from', 'limit', 'to']);
    assert.deepEqual(names('/api/v1/ips/{ip}'), ['ip']);
    assert.deepEqual(names('/api/v1/stats/timeseries'), ['bucket', 'errorCode', 'from', 'to']);
    assert.deepEqual(names('/api/v1/errors'), ['from', 'limit', 'to']);
    assert.deepEqual(names('/api/v1/dead-letters'), ['limit']);
    assert.equal(paths['/']?.get, undefined, 'the dashboard page is not an API route');
  });

  it('documents the refusals each route can answer with, and what its parameters accept', async () => {
    const { body } = await getJson(app, '/openapi.json');
    type Operation = {
      parameters?: { name: string; in: string; schema: Record<string, unknown>; example?: unknown }[];
      requestBody?: unknown;
      responses: Record<string, { content?: Record<string, { schema: { properties?: object } }> }>;
    };
    const paths = body.paths as Record<string, Record<string, Operation>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const takesInput = (operation.parameters ?? []).length > 0 || operation.requestBody !== undefined;
        if (takesInput) {
          const refusal = operation.responses['400']?.content?.['application/json']?.schema;
          assert.deepEqual(Object.keys(refusal?.properties ?? {}), ['error', 'message'], where);
        }
        if (operation.parameters?.some((p) => p.in === 'path')) assert.ok(operation.responses['414'], where);
      }
    }
    const param = (path: string, name: string) =>
      paths[path]?.get?.parameters?.find((p) => p.name === name)?.schema ?? {};
    assert.deepEqual(
      (param('/api/v1/ips/{ip}', 'ip').anyOf as { format: string }[]).map((s) => s.format),
      ['ipv4', 'ipv6'],
    );
    assert.equal(param('/api/v1/timestamps/parse', 'value').minLength, 1);
    assert.equal(param('/time/formatter/{value}', 'value').maxLength, 100);
    // Examples make a request that works: a range whose from is before its to.
    const example = (name: string) =>
      paths['/api/v1/ips/unique']?.get?.parameters?.find((p) => p.name === name)?.example;
    assert.ok(Date.parse(String(example('from'))) < Date.parse(String(example('to'))));
  });

  it('documents 401 on exactly the routes a token protects', async () => {
    const protectedApp = await buildApp({ apiToken: 't' });
    try {
      const { body } = await getJson(protectedApp, '/openapi.json');
      const paths = body.paths as Record<string, Record<string, { responses: object; security?: unknown }>>;
      for (const [path, operations] of Object.entries(paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const guarded = operation.security !== undefined;
          assert.equal(guarded, path.startsWith('/api/') || path === '/count/addresses', path);
          assert.equal('401' in operation.responses, guarded, `${method} ${path}`);
        }
      }
    } finally {
      await protectedApp.close();
    }
  });
});
