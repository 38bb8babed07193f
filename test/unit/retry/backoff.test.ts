import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, withRetry } from '../../../src/retry/index.ts';

test('backoff doubles from base to max, its jitter the given part of each step', () => {
  const b = { baseMs: 100, maxMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 40].map((n) => backoffDelay(b, n, 1)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelay(b, 3, 0), 0, 'full jitter may wait nothing');
  assert.equal(backoffDelay({ ...b, jitter: 0.5 }, 3, 0), 200, 'half jitter waits at least half the step');
  assert.equal(backoffDelay({ ...b, jitter: 0 }, 3, 0.7), 400, 'no jitter waits the step');
});

test('withRetry retries what may succeed later, and gives up on what will not', async () => {
  let calls = 0;
  const retried: number[] = [];
  const value = await withRetry(
    async () => {
      if (++calls < 3) throw Object.assign(new Error('blip'), { retriable: true });
      return 'ok';
    },
    {
      baseMs: 1,
      maxMs: 2,
      giveUp: () => false,
      isRetriable: () => true,
      onRetry: (_e, n) => retried.push(n),
    },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(retried, [1, 2]);
  const final = new Error('final');
  await assert.rejects(
    withRetry(() => Promise.reject(final), {
      baseMs: 1,
      maxMs: 2,
      giveUp: () => false,
      isRetriable: (e) => e !== final,
      onRetry: () => assert.fail('not retried'),
    }),
    final,
  );
});
