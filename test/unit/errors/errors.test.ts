import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, TIMESTAMP_ERROR_CODES } from '../../../src/errors/codes.ts';
import { MultipleErrors, NetworkError, ResponseError } from '@platformatic/kafka';
import {
  describeError,
  frameworkErrorCode,
  HTTP_ANSWERS,
  InternalError,
  IpstreamError,
  LeaseLostError,
  QueryTimeoutError,
  QueryTooBroadError,
  RequestError,
} from '../../../src/errors/index.ts';

describe('error classes', () => {
  it('carry their code, name and whether a retry helps', () => {
    const cases: [IpstreamError, string, string, boolean][] = [
      [new QueryTooBroadError('narrow it'), 'QUERY_TOO_BROAD', 'QueryTooBroadError', false],
      [new QueryTimeoutError('too slow'), 'QUERY_TIMEOUT', 'QueryTimeoutError', true],
      [new LeaseLostError('fenced'), 'LEASE_LOST', 'LeaseLostError', true],
      [new InternalError('a bug'), 'INTERNAL', 'InternalError', false],
      [new RequestError('IP_NOT_FOUND', 'never seen'), 'IP_NOT_FOUND', 'RequestError', false],
    ];
    for (const [error, code, name, retriable] of cases) {
      assert.ok(error instanceof IpstreamError);
      assert.equal(error.code, code);
      assert.equal(error.name, name);
      assert.equal(error.retriable, retriable);
    }
  });
});

describe('HTTP answers by code', () => {
  it('names only known codes, with an error status', () => {
    for (const [code, answer] of Object.entries(HTTP_ANSWERS)) {
      assert.ok(code in ERROR_CODES, code);
      assert.ok(answer.status >= 400 && answer.status < 600, code);
    }
  });

  it('answers every refused timestamp with 400', () => {
    for (const code of Object.keys(TIMESTAMP_ERROR_CODES) as (keyof typeof TIMESTAMP_ERROR_CODES)[]) {
      assert.equal(HTTP_ANSWERS[code]?.status, 400, code);
    }
  });

  it('leaves faults of the service out, so they are answered as 500 INTERNAL', () => {
    for (const code of ['INTERNAL', 'STORE_CORRUPT', 'STORE_INCONSISTENT', 'UNREACHABLE'] as const) {
      assert.equal(HTTP_ANSWERS[code], undefined, code);
    }
  });

  it('asks for a retry after a query timeout only', () => {
    const withRetry = Object.entries(HTTP_ANSWERS).filter(([, a]) => a.retryAfterS !== undefined);
    assert.deepEqual(withRetry, [['QUERY_TIMEOUT', HTTP_ANSWERS.QUERY_TIMEOUT]]);
    assert.equal(HTTP_ANSWERS.QUERY_TIMEOUT?.retryAfterS, 30);
  });

  it("names the framework's own client errors by status", () => {
    assert.equal(frameworkErrorCode(400), 'BAD_REQUEST');
    assert.equal(frameworkErrorCode(404), 'NOT_FOUND');
    assert.equal(frameworkErrorCode(413), 'PAYLOAD_TOO_LARGE');
    assert.equal(frameworkErrorCode(414), 'URI_TOO_LONG');
    assert.equal(frameworkErrorCode(431), 'HEADERS_TOO_LARGE');
    assert.equal(frameworkErrorCode(418), 'CLIENT_ERROR');
  });
});

describe('describeError', () => {
  it('names what a retrying client gave up on, not only that it gave up', () => {
    // As @platformatic/kafka reports a commit that failed on every attempt: the broker's answer
    // (a protocol error per partition) sits two levels below the message.
    const rebalancing = () =>
      new ResponseError(
        8,
        8,
        { '/topics/0/partitions/0': [27, null], '/topics/0/partitions/1': [27, null] },
        {},
      );
    const error = new MultipleErrors('commit failed 3 times.', [
      rebalancing(),
      rebalancing(),
      new NetworkError('Connection closed'),
    ]);
    const text = describeError(error);
    assert.match(text, /^commit failed 3 times/);
    assert.match(text, /REBALANCE_IN_PROGRESS/);
    assert.match(text, /Connection closed/);
    assert.equal(text.match(/REBALANCE_IN_PROGRESS/g)?.length, 1, `repeats collapsed: ${text}`);
    assert.ok(!text.includes('\n'));
  });

  it('follows causes, stays one bounded line, and survives cycles', () => {
    const inner = new Error('connect ECONNREFUSED 127.0.0.1:27017\n    at stack');
    const outer = new Error('the store is unreachable', { cause: inner });
    assert.equal(
      describeError(outer),
      'the store is unreachable (cause: connect ECONNREFUSED 127.0.0.1:27017)',
    );
    const loop = new Error('a');
    (loop as { cause?: unknown }).cause = loop;
    assert.equal(describeError(loop), 'a');
    const many = new AggregateError(
      Array.from({ length: 200 }, (_, i) => new Error(`failure number ${i} `.repeat(20))),
      'many',
    );
    assert.ok(describeError(many).length <= 1_000);
    assert.equal(describeError('plain'), 'plain');
  });
});
