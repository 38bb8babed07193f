import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats, errorKind, retire, type WorkerStats } from '../../../src/ingest/stats.ts';
import { IpstreamError } from '../../../src/errors/index.ts';
import { formatStoreSteps, sumStats } from '../../../src/ingest/index.ts';

function worker(id: number, n: number): WorkerStats {
  return {
    ...emptyStats(id),
    consumed: 100 * n,
    stored: 90 * n,
    duplicates: 5 * n,
    deadLetters: 5 * n,
    flushes: 3 * n,
    flushReasons: { count: 2 * n, age: n },
    flushedRecords: 50 * n,
    flushedBytes: 4000 * n,
    deadLetterReasons: { NOT_JSON: n },
    storeErrors: { 'retried:MongoNetworkError': n },
    storeRetries: n,
    commitFailures: n + 1,
    consumerRestarts: n + 2,
  };
}

test('folding exited workers into one total keeps every counter the pool sums', () => {
  const exited = [worker(0, 1), worker(1, 2), worker(2, 7)];
  const running = [worker(3, 4)];
  const total = exited.reduce(retire, emptyStats(-1));
  assert.deepEqual(sumStats([...running, total]), { ...sumStats([...running, ...exited]), workers: 2 });
  assert.deepEqual(total.flushReasons, { count: 20, age: 10 });
  assert.equal(total.consumerRestarts, 3 + 4 + 9);
  assert.deepEqual(total.deadLetterReasons, { NOT_JSON: 10 });
  assert.deepEqual(total.storeErrors, { 'retried:MongoNetworkError': 10 });
  assert.equal(total.flushedRecords, 500);
  assert.equal(total.flushedBytes, 40_000);
});

test('an error kind is a code or a class name, never a message', () => {
  assert.equal(errorKind(new IpstreamError('STORE_REJECTED', 'the store refused it')), 'STORE_REJECTED');
  class MongoNetworkError extends Error {
    override name = 'MongoNetworkError';
  }
  assert.equal(
    errorKind(new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed')),
    'MongoNetworkError',
  );
  assert.equal(errorKind('a string'), 'unknown');
  const odd = new Error('x');
  odd.name = 'name with spaces and a {label}';
  assert.equal(errorKind(odd), 'unknown');
});

test('folding does not change the total it was given (totals never go backwards)', () => {
  const first = retire(emptyStats(-1), worker(0, 1));
  const snapshot = structuredClone(first);
  const second = retire(first, worker(1, 1));
  assert.deepEqual(first, snapshot);
  assert.ok(second.consumed > first.consumed && second.stored > first.stored);
});

test('store time by step: summed over workers, one line in the order a write takes them', () => {
  const a = { ...emptyStats(0), storeStepMs: { rollups: 3000, insert: 1000, lease: 500 } };
  const b = { ...emptyStats(1), storeStepMs: { rollups: 1000, lease: 1500 } };
  const t = sumStats([a, b]);
  assert.deepEqual(t.storeStepMs, { rollups: 4000, insert: 1000, lease: 2000 });
  assert.equal(formatStoreSteps(t.storeStepMs), 'insert 1.0 s (14%), lease 2.0 s (29%), rollups 4.0 s (57%)');
  assert.equal(formatStoreSteps({}), '');
  assert.deepEqual(retire(a, b).storeStepMs, { rollups: 4000, insert: 1000, lease: 2000 });
});
