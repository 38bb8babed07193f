import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats, retire, type WorkerStats } from '../../../src/ingest/stats.ts';
import { sumStats } from '../../../src/ingest/index.ts';

function worker(id: number, n: number): WorkerStats {
  return {
    ...emptyStats(id),
    consumed: 100 * n,
    stored: 90 * n,
    duplicates: 5 * n,
    deadLetters: 5 * n,
    flushes: 3 * n,
    flushReasons: { count: 2 * n, age: n },
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
});

test('folding does not change the total it was given (totals never go backwards)', () => {
  const first = retire(emptyStats(-1), worker(0, 1));
  const snapshot = structuredClone(first);
  const second = retire(first, worker(1, 1));
  assert.deepEqual(first, snapshot);
  assert.ok(second.consumed > first.consumed && second.stored > first.stored);
});
