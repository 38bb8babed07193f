import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../../src/errors/index.ts';
import {
  MAIN_THREAD_MB,
  WORKER_THREAD_MB,
  consumersThatFit,
  planMemory,
} from '../../../src/ingest/memory-budget.ts';

const MiB = 1024 * 1024;

/** What a plan lets the process reach: main thread, every thread's fixed part, every heap. */
function plannedMb(memoryMb: number, workers: number, threads: number): number {
  const plan = planMemory({ memoryMb, workers, threads });
  const t = Math.min(threads, workers);
  // On the main thread: its fixed part and the consumers' shares.
  if (t === 0) return MAIN_THREAD_MB + (workers * plan.consumerBytes) / MiB;
  const perThreadHeapGrowth = plan.threadHeapMb - 48;
  return MAIN_THREAD_MB + t * WORKER_THREAD_MB + t * perThreadHeapGrowth;
}

describe('planMemory', () => {
  it('refuses 64 consumers in 256 MB with one line naming the setting and what would fit', () => {
    assert.throws(
      () => planMemory({ memoryMb: 256, workers: 64, threads: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, /INGEST_MEMORY_MB=256 cannot hold 64 consumers on 1 thread/);
        assert.match(error.message, /at least \d+/);
        return true;
      },
    );
  });

  it('names the minimum budget, and that budget is accepted', () => {
    const message = (() => {
      try {
        planMemory({ memoryMb: 300, workers: 8, threads: 2 });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    const needed = Number(/at least (\d+)/.exec(message)?.[1]);
    assert.ok(needed > 300, message);
    assert.doesNotThrow(() => planMemory({ memoryMb: needed, workers: 8, threads: 2 }));
    assert.throws(() => planMemory({ memoryMb: needed - 1, workers: 8, threads: 2 }), ConfigError);
  });

  it('never plans past the budget, whatever the consumers and threads', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 256, max: 65_536 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 0, max: 256 }),
        (memoryMb, workers, threads) => {
          fc.pre(consumersThatFit(memoryMb, Math.min(threads, workers)) >= workers);
          assert.ok(plannedMb(memoryMb, workers, threads) <= memoryMb);
          const plan = planMemory({ memoryMb, workers, threads });
          // What a consumer's bounds let it hold stays inside its share.
          const held =
            plan.bufferBytes + plan.batchBytes + 10 * plan.fetchBytes + 256 * plan.deviceCacheEntries;
          // The other half of the share is the heap's headroom.
          assert.ok(held <= plan.consumerBytes / 2, `${held} held of a ${plan.consumerBytes} share`);
        },
      ),
    );
  });

  it('gives each consumer less as consumers are added, and more as the budget grows', () => {
    const two = planMemory({ memoryMb: 768, workers: 2, threads: 1 });
    const four = planMemory({ memoryMb: 768, workers: 4, threads: 1 });
    const big = planMemory({ memoryMb: 2048, workers: 2, threads: 1 });
    assert.ok(four.bufferBytes < two.bufferBytes && four.batchBytes < two.batchBytes);
    assert.ok(big.bufferBytes > two.bufferBytes && big.batchBytes > two.batchBytes);
    assert.equal(four.consumersPerThread, 4);
    assert.equal(planMemory({ memoryMb: 2048, workers: 5, threads: 2 }).consumersPerThread, 3);
  });

  it('keeps an INGEST_MAX_BUFFER_BYTES that fits and refuses one that does not', () => {
    assert.equal(planMemory({ memoryMb: 768, workers: 2, threads: 1, maxBufferBytes: MiB }).bufferBytes, MiB);
    assert.throws(
      () => planMemory({ memoryMb: 768, workers: 2, threads: 1, maxBufferBytes: 512 * MiB }),
      /INGEST_MAX_BUFFER_BYTES=536870912 does not fit/,
    );
  });

  it('puts two consumers on a thread unless INGEST_THREADS says otherwise', () => {
    assert.deepEqual(
      planMemory({ memoryMb: 1024, workers: 3 }),
      planMemory({ memoryMb: 1024, workers: 3, threads: 2 }),
    );
    assert.equal(planMemory({ memoryMb: 1024, workers: 3 }).consumersPerThread, 2);
    assert.equal(planMemory({ memoryMb: 1024, workers: 2 }).threads, 1);
    assert.equal(planMemory({ memoryMb: 1024, workers: 1 }).threads, 1);
    assert.equal(planMemory({ memoryMb: 1024, workers: 3, threads: 3 }).consumersPerThread, 1);
  });

  it('at 256 MB, where no thread fits, hosts the default two consumers on the main thread', () => {
    assert.throws(() => planMemory({ memoryMb: 256, workers: 2, threads: 1 }), ConfigError);
    const plan = planMemory({ memoryMb: 256, workers: 2 });
    assert.deepEqual(plan, planMemory({ memoryMb: 256, workers: 2, threads: 0 }));
    assert.equal(plan.threads, 0);
    assert.equal(plan.consumersPerThread, 2);
    assert.equal(plan.threadHeapMb, 0, 'no thread, no thread heap');
    assert.ok(plan.consumerBytes >= 16 * MiB);
    assert.ok(MAIN_THREAD_MB + (2 * plan.consumerBytes) / MiB <= 256);
    // Where a thread fits, the default keeps it.
    assert.equal(planMemory({ memoryMb: 400, workers: 2 }).threads, 1);
  });

  it('refuses what the main thread cannot hold either, in one line that says so', () => {
    assert.throws(
      () => planMemory({ memoryMb: 256, workers: 4 }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, /cannot hold 4 consumers on 2 threads/);
        assert.match(error.message, /INGEST_THREADS \(0: the main thread\)/);
        return true;
      },
    );
    assert.throws(() => planMemory({ memoryMb: 256, workers: 8, threads: 0 }), /on the main thread/);
  });

  it('counts threads beyond the consumers as not started', () => {
    assert.deepEqual(
      planMemory({ memoryMb: 768, workers: 2, threads: 8 }),
      planMemory({ memoryMb: 768, workers: 2, threads: 2 }),
    );
  });
});
