import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../../src/api/index.ts';
import {
  InternalError,
  QueryTimeoutError,
  QueryTooBroadError,
  RequestError,
  ServiceError,
  ValidationError,
} from '../../../src/errors/index.ts';

let app: FastifyInstance;

before(async () => {
  app = await buildApp();
  // Routes that fail on purpose, to check the one error handler maps each kind of failure.
  app.get('/test/boom', async () => {
    throw new Error('secret detail');
  });
  app.get('/test/http-error', async () => {
    throw new RequestError('IP_NOT_FOUND', 'never seen');
  });
  app.get('/test/validation', async () => {
    throw new ValidationError('IP_INVALID', 'not an address');
  });
  app.get('/test/too-broad', async () => {
    throw new QueryTooBroadError('narrow the range');
  });
  app.get('/test/timeout', async () => {
    throw new QueryTimeoutError('took too long');
  });
  app.get('/test/no-store', async () => {
    throw new ServiceError('STORE_UNAVAILABLE', 'no database');
  });
  app.get('/test/internal', async () => {
    throw new InternalError('an impossible state');
  });
});

after(() => app.close());

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

async function postJson(payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/timestamps/parse',
    payload: payload as object,
  });
  return { status: response.statusCode, body: response.json() };
}

describe('GET /api/v1/timestamps/parse', () => {
  it('normalizes an epoch in milliseconds', async () => {
    const { status, body } = await getJson('/api/v1/timestamps/parse?value=1726668850124');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      input: '1726668850124',
      iso: '2024-09-18T14:14:10.124Z',
      epochMs: 1726668850124,
      format: 'epoch_ms',
    });
  });

  it('normalizes ISO 8601 with an offset and RFC 2822', async () => {
    const iso = await getJson(
      `/api/v1/timestamps/parse?value=${encodeURIComponent('2024-09-18T16:14:10.124+02:00')}`,
    );
    assert.equal(iso.status, 200);
    assert.equal(iso.body.iso, '2024-09-18T14:14:10.124Z');
    assert.equal(iso.body.format, 'iso8601');
    const rfc = await getJson(
      `/api/v1/timestamps/parse?value=${encodeURIComponent('Wed, 18 Sep 2024 16:14:10 +0200')}`,
    );
    assert.equal(rfc.status, 200);
    assert.equal(rfc.body.iso, '2024-09-18T14:14:10.000Z');
    assert.equal(rfc.body.format, 'rfc2822');
  });

  for (const [value, code] of [
    ['2023-02-29', 'TS_IMPOSSIBLE_DATE'],
    ['03/12/2021', 'TS_AMBIGUOUS'],
    ['Oct 11 22:14:15', 'TS_NO_YEAR'],
    ['1e12', 'TS_EXPONENT'],
    ['hello', 'TS_UNRECOGNIZED'],
    ['', 'TS_EMPTY'],
  ]) {
    it(`answers 400 ${code} for ${JSON.stringify(value)}`, async () => {
      const { status, body } = await getJson(
        `/api/v1/timestamps/parse?value=${encodeURIComponent(value ?? '')}`,
      );
      assert.equal(status, 400);
      assert.equal(body.error, code);
      assert.equal(typeof body.message, 'string');
    });
  }

  it('answers 400 when value is missing', async () => {
    const { status, body } = await getJson('/api/v1/timestamps/parse');
    assert.equal(status, 400);
    assert.equal(body.error, 'INVALID_REQUEST');
    assert.match(String(body.message), /value/);
  });
});

describe('POST /api/v1/timestamps/parse', () => {
  it('answers each value in order, good and bad mixed, numbers kept as numbers', async () => {
    const { status, body } = await postJson({
      values: [
        1726668850124,
        '1726668850124',
        '2024-09-18 14:14:10',
        'Thu, 18 Sep 2024 16:14:10 +0200',
        1e25,
      ],
    });
    assert.equal(status, 200);
    const results = body.results as Record<string, unknown>[];
    assert.equal(results.length, 5);
    assert.deepEqual(results[0], {
      input: 1726668850124,
      iso: '2024-09-18T14:14:10.124Z',
      epochMs: 1726668850124,
      format: 'epoch_ms',
    });
    assert.equal(results[1]?.input, '1726668850124');
    assert.equal(results[1]?.format, 'epoch_ms');
    assert.equal(results[2]?.iso, '2024-09-18T14:14:10.000Z');
    assert.equal(results[3]?.error, 'TS_WEEKDAY_MISMATCH');
    assert.equal(typeof results[3]?.message, 'string');
    assert.equal(results[3]?.iso, undefined);
    assert.equal(results[4]?.error, 'TS_TOO_MANY_DIGITS');
    assert.equal(results[4]?.input, 1e25);
  });

  it('accepts 10000 values', async () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 1726668850124 + i);
    const { status, body } = await postJson({ values });
    assert.equal(status, 200);
    assert.equal((body.results as unknown[]).length, 10_000);
  });

  it('refuses more than 10000 values', async () => {
    const { status, body } = await postJson({ values: Array.from({ length: 10_001 }, () => 0) });
    assert.equal(status, 400);
    assert.equal(body.error, 'INVALID_REQUEST');
  });

  it('refuses an empty list, a missing list and values that are neither strings nor numbers', async () => {
    for (const payload of [{ values: [] }, {}, { values: [null] }, { values: [true] }, { values: 'x' }]) {
      const { status, body } = await postJson(payload);
      assert.equal(status, 400, JSON.stringify(payload));
      assert.equal(body.error, 'INVALID_REQUEST');
    }
  });

  it('refuses fields other than values, as its document says', async () => {
    const { status, body } = await postJson({ values: [1], extra: 1 });
    assert.equal(status, 400);
    assert.equal(body.error, 'INVALID_REQUEST');
    const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
    const post = doc.json<{
      paths: Record<
        string,
        {
          post: {
            requestBody: { content: { 'application/json': { schema: { additionalProperties: unknown } } } };
          };
        }
      >;
    }>().paths['/api/v1/timestamps/parse']!.post;
    assert.equal(post.requestBody.content['application/json'].schema.additionalProperties, false);
  });

  it('answers 400 for malformed JSON and 413 for an oversized body, never 500', async () => {
    const headers = { 'content-type': 'application/json' };
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/v1/timestamps/parse',
      headers,
      payload: '{"values":',
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json<{ error: string }>().error, 'BAD_REQUEST');
    const huge = await app.inject({
      method: 'POST',
      url: '/api/v1/timestamps/parse',
      headers,
      payload: JSON.stringify({ values: ['x'.repeat(2 * 1024 * 1024)] }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json<{ error: string }>().error, 'PAYLOAD_TOO_LARGE');
    const text = await app.inject({
      method: 'POST',
      url: '/api/v1/timestamps/parse',
      headers: { 'content-type': 'application/xml' },
      payload: '<values/>',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json<{ error: string }>().error, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /time/formatter/{value} (seed route)', () => {
  it('formats a value', async () => {
    const { status, body } = await getJson('/time/formatter/1726668850124');
    assert.equal(status, 200);
    assert.deepEqual(body, { time: '2024-09-18T14:14:10.124Z' });
  });

  it('formats an ISO value with a space', async () => {
    const { status, body } = await getJson(`/time/formatter/${encodeURIComponent('2024-09-18 14:14:10')}`);
    assert.equal(status, 200);
    assert.deepEqual(body, { time: '2024-09-18T14:14:10.000Z' });
  });

  it('answers 400 with a code for a bad value', async () => {
    const { status, body } = await getJson('/time/formatter/yesterday');
    assert.equal(status, 400);
    assert.equal(body.error, 'TS_UNRECOGNIZED');
  });
});

describe('documentation and errors', () => {
  it('serves OpenAPI 3 listing the routes with response schemas', async () => {
    const { status, body } = await getJson('/openapi.json');
    assert.equal(status, 200);
    assert.match(String(body.openapi), /^3\./);
    const paths = body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    assert.ok(paths['/api/v1/timestamps/parse']?.get?.responses['200']);
    assert.ok(paths['/api/v1/timestamps/parse']?.get?.responses['400']);
    assert.ok(paths['/api/v1/timestamps/parse']?.post?.responses['200']);
    assert.ok(paths['/time/formatter/{value}']?.get?.responses['200']);
    assert.equal(paths['/openapi.json'], undefined);
  });

  it('serves interactive docs at /docs', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/html/);
    assert.match(response.body, /swagger/i);
  });

  it('answers 404 NOT_FOUND for unknown routes', async () => {
    const { status, body } = await getJson('/api/v1/nothing-here?x=1');
    assert.equal(status, 404);
    assert.deepEqual(body, { error: 'NOT_FOUND', message: 'no route for GET /api/v1/nothing-here' });
  });

  it('answers malformed URLs and over-long path segments in the same error shape', async () => {
    const badUrl = await getJson('/time/formatter/%E0%A4%A');
    assert.equal(badUrl.status, 400);
    assert.equal(badUrl.body.error, 'BAD_REQUEST');
    const long = await getJson(`/time/formatter/${'1'.repeat(300)}`);
    assert.equal(long.status, 414);
    assert.equal(long.body.error, 'URI_TOO_LONG');
    assert.deepEqual(Object.keys(long.body).sort(), ['error', 'message']);
  });

  it('answers an error with the status of its code: IP_NOT_FOUND 404, IP_INVALID 400', async () => {
    assert.deepEqual(await getJson('/test/http-error'), {
      status: 404,
      body: { error: 'IP_NOT_FOUND', message: 'never seen' },
    });
    assert.deepEqual(await getJson('/test/validation'), {
      status: 400,
      body: { error: 'IP_INVALID', message: 'not an address' },
    });
  });

  it('answers 503 when the store cannot answer, with Retry-After after a timeout only', async () => {
    assert.deepEqual(await getJson('/test/too-broad'), {
      status: 503,
      body: { error: 'QUERY_TOO_BROAD', message: 'narrow the range' },
    });
    assert.deepEqual(await getJson('/test/no-store'), {
      status: 503,
      body: { error: 'STORE_UNAVAILABLE', message: 'no database' },
    });
    const timeout = await app.inject({ method: 'GET', url: '/test/timeout' });
    assert.equal(timeout.statusCode, 503);
    assert.equal(timeout.headers['retry-after'], '30');
    assert.deepEqual(timeout.json(), { error: 'QUERY_TIMEOUT', message: 'took too long' });
    const broad = await app.inject({ method: 'GET', url: '/test/too-broad' });
    assert.equal(broad.headers['retry-after'], undefined);
  });

  it('hides an error of a code the table does not list behind 500 INTERNAL', async () => {
    assert.deepEqual(await getJson('/test/internal'), {
      status: 500,
      body: { error: 'INTERNAL', message: 'internal error' },
    });
  });

  it('hides unexpected errors behind 500 INTERNAL', async () => {
    assert.deepEqual(await getJson('/test/boom'), {
      status: 500,
      body: { error: 'INTERNAL', message: 'internal error' },
    });
  });

  it('logs unexpected errors with their detail', async () => {
    const lines: string[] = [];
    const logged = await buildApp({
      logger: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }),
    });
    logged.get('/test/boom', async () => {
      throw new Error('secret detail');
    });
    const response = await logged.inject({ method: 'GET', url: '/test/boom' });
    await logged.close();
    assert.equal(response.statusCode, 500);
    assert.doesNotMatch(response.body, /secret/);
    assert.ok(
      lines.some(
        (line) => line.includes('secret detail') && (JSON.parse(line) as { level: number }).level === 50,
      ),
      lines.join(''),
    );
  });
});
