import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { MongoServerError } from 'mongodb';
import { handleError } from '../../src/api/http-error.ts';
import { QueryTimeoutError } from '../../src/errors/errors.ts';
import { withTimeLimit } from '../../src/query/time-limit.ts';

const expired = () => new MongoServerError({ message: 'operation exceeded time limit', code: 50 });

test('a server-side time limit becomes a QueryTimeoutError that says what to do', async () => {
  await assert.rejects(
    withTimeLimit('the exact count', 'use mode=approx', () => Promise.reject(expired())),
    (error: unknown) =>
      error instanceof QueryTimeoutError &&
      error.code === 'QUERY_TIMEOUT' &&
      /use mode=approx/.test(error.message),
  );
  const other = new MongoServerError({ message: 'boom', code: 2 });
  await assert.rejects(
    withTimeLimit('x', 'y', () => Promise.reject(other)),
    (e: unknown) => e === other,
  );
  assert.equal(await withTimeLimit('x', 'y', () => Promise.resolve(7)), 7);
});

test('it is answered 503 with a Retry-After, not 500', async () => {
  const app = Fastify({ logger: false });
  app.setErrorHandler(handleError);
  app.get('/slow', () =>
    withTimeLimit('the exact count', 'use mode=approx', () => Promise.reject(expired())),
  );
  const response = await app.inject({ method: 'GET', url: '/slow' });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '30');
  assert.equal(response.json<{ error: string }>().error, 'QUERY_TIMEOUT');
  await app.close();
});
