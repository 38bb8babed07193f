import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, ValidationError } from '../../../src/errors/index.ts';
import { createFlushPolicy, takeLimits } from '../../../src/ingest/index.ts';
import type { FlushPolicy, FlushPolicyOptions } from '../../../src/ingest/flush-policy.ts';

interface Store {
  overheadMs: number;
  msPerRecord: number;
  msPerByte: number;
}

function writeMs(store: Store, count: number, bytes: number): number {
  return store.overheadMs + store.msPerRecord * count + store.msPerByte * bytes;
}

/**
 * Runs `flushes` flushes against `store` with records of `recordBytes` arriving at `perMs`
 * records per ms (Infinity: the buffer is always full). Returns the write time of each flush.
 */
function simulate(
  policy: FlushPolicy,
  store: Store,
  flushes: number,
  recordBytes: number,
  perMs = Infinity,
): number[] {
  const writes: number[] = [];
  for (let k = 0; k < flushes; k++) {
    const { countLimit, bytesLimit, maxAgeMs } = policy.current();
    // The batch is cut by whichever trigger fires first.
    const bySize = Math.min(countLimit, Math.ceil(bytesLimit / recordBytes));
    const count = Math.max(1, Math.min(bySize, Math.floor(perMs * maxAgeMs)));
    const bytes = count * recordBytes;
    const ms = writeMs(store, count, bytes);
    const fillMs = Number.isFinite(perMs) ? Math.min(count / perMs, maxAgeMs) : undefined;
    policy.recordFlush(
      fillMs === undefined
        ? { count, bytes, writeMs: ms }
        : { count, bytes, writeMs: ms, oldestAgeMs: fillMs },
    );
    writes.push(ms);
  }
  return writes;
}

function assertCoded(
  fn: () => unknown,
  type: typeof ConfigError | typeof ValidationError,
  code: string,
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof type, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

describe('flush triggers', () => {
  const policy = createFlushPolicy({ maxAgeMs: 1000, countLimit: 500, bytesLimit: 100_000 });

  it('does not flush an empty buffer, whatever its age', () => {
    assert.equal(policy.shouldFlush({ count: 0, bytes: 0, oldestAgeMs: 5000 }), null);
    assert.equal(policy.shouldFlush({ count: 0, bytes: 0, oldestAgeMs: 5000, draining: true }), null);
  });

  it('waits while every limit is below its threshold', () => {
    assert.equal(policy.shouldFlush({ count: 499, bytes: 99_999, oldestAgeMs: 999 }), null);
  });

  it('flushes on age', () => {
    assert.equal(policy.shouldFlush({ count: 1, bytes: 10, oldestAgeMs: 1000 }), 'age');
    assert.equal(policy.shouldFlush({ count: 1, bytes: 10, oldestAgeMs: 1500 }), 'age');
  });

  it('flushes on count', () => {
    assert.equal(policy.shouldFlush({ count: 500, bytes: 10, oldestAgeMs: 0 }), 'count');
  });

  it('flushes on bytes', () => {
    assert.equal(policy.shouldFlush({ count: 3, bytes: 100_000, oldestAgeMs: 0 }), 'bytes');
  });

  it('flushes on drain, before any other reason', () => {
    assert.equal(policy.shouldFlush({ count: 1, bytes: 1, oldestAgeMs: 0, draining: true }), 'drain');
    assert.equal(policy.shouldFlush({ count: 900, bytes: 1e9, oldestAgeMs: 9e9, draining: true }), 'drain');
  });

  it('reports count, then bytes, then age when several hold', () => {
    assert.equal(policy.shouldFlush({ count: 500, bytes: 100_000, oldestAgeMs: 1000 }), 'count');
    assert.equal(policy.shouldFlush({ count: 1, bytes: 100_000, oldestAgeMs: 1000 }), 'bytes');
  });

  it('says how long until the age trigger', () => {
    assert.equal(policy.msUntilAgeFlush(0), 1000);
    assert.equal(policy.msUntilAgeFlush(250), 750);
    assert.equal(policy.msUntilAgeFlush(1000), 0);
    assert.equal(policy.msUntilAgeFlush(4000), 0);
  });

  it('has documented defaults', () => {
    const s = createFlushPolicy().current();
    assert.equal(s.maxAgeMs, 1000);
    assert.equal(s.targetWriteMs, 250);
    assert.equal(s.adaptive, true);
    assert.ok(s.minCount <= s.countLimit && s.countLimit <= s.maxCount);
    assert.ok(s.minBytes <= s.bytesLimit && s.bytesLimit <= s.maxBytes);
    assert.equal(s.ewmaMsPerRecord, null);
    assert.equal(s.recordsPerSecond, null);
  });
});

describe('adaptation', () => {
  const recordBytes = 200;

  for (const store of [
    { name: 'fast (limits grow)', overheadMs: 0, msPerRecord: 0.01, msPerByte: 0.0001 },
    { name: 'slow (limits shrink)', overheadMs: 0, msPerRecord: 0.2, msPerByte: 0.0005 },
    { name: 'with per-write overhead', overheadMs: 60, msPerRecord: 0.005, msPerByte: 0.0001 },
  ]) {
    it(`converges to the target write latency on a ${store.name} store`, () => {
      const policy = createFlushPolicy({ targetWriteMs: 250 });
      const writes = simulate(policy, store, 60, recordBytes);
      const last = writes.slice(-10);
      for (const ms of last) assert.ok(Math.abs(ms - 250) <= 25, `write took ${ms} ms: ${writes.join(', ')}`);
      // Both limits describe the same target batch, so neither cuts far below the other.
      const { countLimit, bytesLimit, ewmaMsPerRecord } = policy.current();
      const ideal = (250 - store.overheadMs) / (store.msPerRecord + store.msPerByte * recordBytes);
      assert.ok(Math.abs(countLimit - ideal) / ideal < 0.1, `countLimit ${countLimit} vs ${ideal}`);
      assert.ok(Math.abs(bytesLimit / recordBytes - ideal) / ideal < 0.1, `bytesLimit ${bytesLimit}`);
      assert.ok(ewmaMsPerRecord !== null && ewmaMsPerRecord > 0);
    });
  }

  it('moves gradually: at most ×2 or ÷2 per flush', () => {
    const policy = createFlushPolicy({ countLimit: 1000, bytesLimit: 1_000_000 });
    policy.recordFlush({ count: 1000, bytes: 1000, writeMs: 0.001 });
    assert.equal(policy.current().countLimit, 2000);
    assert.equal(policy.current().bytesLimit, 2_000_000);
    const slow = createFlushPolicy({ countLimit: 1000, bytesLimit: 1_000_000 });
    slow.recordFlush({ count: 1000, bytes: 1000, writeMs: 100_000 });
    assert.equal(slow.current().countLimit, 500);
    assert.equal(slow.current().bytesLimit, 500_000);
  });

  it('stays within its bounds', () => {
    const policy = createFlushPolicy({ minCount: 200, maxCount: 3000, minBytes: 50_000, maxBytes: 400_000 });
    simulate(policy, { overheadMs: 0, msPerRecord: 0.0001, msPerByte: 0 }, 30, recordBytes);
    assert.equal(policy.current().countLimit, 3000);
    assert.equal(policy.current().bytesLimit, 400_000);
    simulate(policy, { overheadMs: 0, msPerRecord: 50, msPerByte: 0.5 }, 30, recordBytes);
    assert.equal(policy.current().countLimit, 200);
    assert.equal(policy.current().bytesLimit, 50_000);
  });

  it('a flush that met the target never pulls a limit below its own size', () => {
    const policy = createFlushPolicy({ countLimit: 5000 });
    policy.recordFlush({ count: 5000, bytes: 1_000_000, writeMs: 1000 });
    assert.equal(policy.current().countLimit, 2500);
    // The averages still remember the slow flush and aim at ~1400 records, but 2400 just took 240 ms.
    policy.recordFlush({ count: 2400, bytes: 480_000, writeMs: 240 });
    assert.equal(policy.current().countLimit, 2400);
  });

  it('an overhead-only drain flush barely moves tuned limits', () => {
    const policy = createFlushPolicy();
    simulate(policy, { overheadMs: 0, msPerRecord: 0.02, msPerByte: 0.00005 }, 40, recordBytes);
    const before = policy.current().countLimit;
    policy.recordFlush({ count: 1, bytes: 200, writeMs: 20 });
    const after = policy.current().countLimit;
    assert.ok(Math.abs(after - before) / before < 0.05, `${before} -> ${after}`);
  });

  it('a flush that missed the target never grows the limits (without a throughput floor)', () => {
    const policy = createFlushPolicy({ countLimit: 5000 });
    policy.recordFlush({ count: 100, bytes: 100, writeMs: 300 });
    assert.ok(policy.current().countLimit <= 5000);
  });

  it('never shrinks below what arrives during one write, so batches do not collapse', () => {
    // The per-write overhead alone (400 ms) exceeds the 250 ms target: smaller batches cannot
    // help latency. 10 records per ms arrive.
    const store = { overheadMs: 400, msPerRecord: 0.01, msPerByte: 0 };
    const perMs = 10;
    const policy = createFlushPolicy({ targetWriteMs: 250, countLimit: 20_000 });
    const writes = simulate(policy, store, 80, recordBytes, perMs);
    const { countLimit, recordsPerSecond } = policy.current();
    assert.ok(
      recordsPerSecond !== null && Math.abs(recordsPerSecond - 10_000) < 100,
      String(recordsPerSecond),
    );
    // A single writer keeps up when a batch takes at least as long to fill as to write:
    // n / perMs ≥ 400 + 0.01 n, i.e. n ≥ 4444.
    assert.ok(countLimit >= 4000, `countLimit collapsed to ${countLimit}`);
    const lastWrite = writes.at(-1)!;
    assert.ok(
      countLimit / perMs >= 0.9 * lastWrite,
      `fills in ${countLimit / perMs} ms, writes in ${lastWrite}`,
    );
    // Without the arrival rate, the latency goal alone would have shrunk it to the minimum.
    const blind = createFlushPolicy({ targetWriteMs: 250, countLimit: 20_000 });
    simulate(blind, store, 80, recordBytes);
    assert.equal(blind.current().countLimit, blind.current().minCount);
  });

  it('fixed mode never changes its limits but still measures', () => {
    const options: FlushPolicyOptions = { adaptive: false, countLimit: 1234, bytesLimit: 56_789 };
    const policy = createFlushPolicy(options);
    simulate(policy, { overheadMs: 0, msPerRecord: 0.0001, msPerByte: 0 }, 20, recordBytes);
    simulate(policy, { overheadMs: 0, msPerRecord: 100, msPerByte: 0 }, 20, recordBytes, 5);
    const s = policy.current();
    assert.equal(s.adaptive, false);
    assert.equal(s.countLimit, 1234);
    assert.equal(s.bytesLimit, 56_789);
    assert.equal(s.flushes, 40);
    assert.ok(s.ewmaMsPerRecord !== null && s.ewmaMsPerRecord > 1);
  });

  it('limits stay integers within bounds for any sequence of reports (property)', () => {
    const optionsArb = fc
      .record({
        minCount: fc.integer({ min: 1, max: 1000 }),
        countSpan: fc.integer({ min: 0, max: 100_000 }),
        minBytes: fc.integer({ min: 1, max: 100_000 }),
        bytesSpan: fc.integer({ min: 0, max: 10_000_000 }),
        startAt: fc.double({ min: 0, max: 1, noNaN: true }),
        targetWriteMs: fc.double({ min: 0.01, max: 10_000, noNaN: true }),
        maxAgeMs: fc.double({ min: 1, max: 60_000, noNaN: true }),
        smoothing: fc.double({ min: 0.01, max: 1, noNaN: true }),
        maxStep: fc.double({ min: 1, max: 16, noNaN: true }),
      })
      .map((o) => ({
        minCount: o.minCount,
        maxCount: o.minCount + o.countSpan,
        countLimit: o.minCount + Math.floor(o.startAt * o.countSpan),
        minBytes: o.minBytes,
        maxBytes: o.minBytes + o.bytesSpan,
        bytesLimit: o.minBytes + Math.floor(o.startAt * o.bytesSpan),
        targetWriteMs: o.targetWriteMs,
        maxAgeMs: o.maxAgeMs,
        smoothing: o.smoothing,
        maxStep: o.maxStep,
      }));
    const reportArb = fc.record(
      {
        count: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
        bytes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 })),
        writeMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
        oldestAgeMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
      },
      { requiredKeys: ['count', 'bytes', 'writeMs'] },
    );
    fc.assert(
      fc.property(optionsArb, fc.array(reportArb, { maxLength: 60 }), (options, reports) => {
        const policy = createFlushPolicy(options);
        for (const report of reports) {
          policy.recordFlush(report);
          const s = policy.current();
          assert.ok(Number.isInteger(s.countLimit) && Number.isInteger(s.bytesLimit));
          assert.ok(options.minCount <= s.countLimit && s.countLimit <= options.maxCount, JSON.stringify(s));
          assert.ok(options.minBytes <= s.bytesLimit && s.bytesLimit <= options.maxBytes, JSON.stringify(s));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('validation', () => {
  it('refuses bad options with a coded error', () => {
    const bad: FlushPolicyOptions[] = [
      { maxAgeMs: 0 },
      { maxAgeMs: Number.NaN },
      { targetWriteMs: -1 },
      { targetWriteMs: Infinity },
      { countLimit: 0 },
      { countLimit: 1.5 },
      { countLimit: 10, minCount: 20 },
      { countLimit: 10, maxCount: 5 },
      { minCount: 10, maxCount: 5 },
      { bytesLimit: -5 },
      { bytesLimit: 100, minBytes: 200 },
      { smoothing: 0 },
      { smoothing: 1.5 },
      { maxStep: 0.5 },
      { adaptive: 'yes' as unknown as boolean },
    ];
    for (const options of bad) {
      assertCoded(() => createFlushPolicy(options), ConfigError, 'CONFIG_INVALID');
    }
  });

  it('widens the default bounds around an explicit initial limit', () => {
    const s = createFlushPolicy({ countLimit: 10, bytesLimit: 1_000_000_000 }).current();
    assert.equal(s.minCount, 10);
    assert.equal(s.maxBytes, 1_000_000_000);
  });

  it('accepts initialCount / initialBytes as names for countLimit / bytesLimit', () => {
    const s = createFlushPolicy({ initialCount: 321, initialBytes: 654_321 }).current();
    assert.equal(s.countLimit, 321);
    assert.equal(s.bytesLimit, 654_321);
    assert.equal(createFlushPolicy({ countLimit: 7, initialCount: 7 }).current().countLimit, 7);
    assertCoded(() => createFlushPolicy({ countLimit: 7, initialCount: 8 }), ConfigError, 'CONFIG_INVALID');
  });

  it('refuses impossible flush statistics', () => {
    const policy = createFlushPolicy();
    for (const stats of [
      { count: -1, bytes: 0, writeMs: 1 },
      { count: 1.5, bytes: 0, writeMs: 1 },
      { count: 1, bytes: Number.NaN, writeMs: 1 },
      { count: 1, bytes: 1, writeMs: -1 },
      { count: 1, bytes: 1, writeMs: Infinity },
      { count: 1, bytes: 1, writeMs: 1, oldestAgeMs: -3 },
    ]) {
      assertCoded(() => policy.recordFlush(stats), ValidationError, 'FLUSH_STATS_INVALID');
    }
    assert.equal(policy.current().flushes, 0);
  });

  it('learns nothing from an empty flush', () => {
    const policy = createFlushPolicy();
    policy.recordFlush({ count: 0, bytes: 0, writeMs: 5 });
    const s = policy.current();
    assert.equal(s.flushes, 1);
    assert.equal(s.ewmaWriteMs, null);
    assert.equal(s.countLimit, 5000);
  });
});

describe('takeLimits', () => {
  it('takes a fixed policy at its word and lets an adaptive one drain a backlog up to its bounds', () => {
    const fixed = createFlushPolicy({ adaptive: false, countLimit: 500, bytesLimit: 70_000 });
    assert.deepEqual(takeLimits(fixed.current()), { count: 500, bytes: 70_000 });
    const adaptive = createFlushPolicy({ countLimit: 500, maxCount: 20_000, maxBytes: 1 << 20 });
    assert.deepEqual(takeLimits(adaptive.current()), { count: 20_000, bytes: 1 << 20 });
  });

  it('keeps an adaptive policy to its limits while the partitions settle', () => {
    const adaptive = createFlushPolicy({ countLimit: 500, bytesLimit: 70_000, maxCount: 20_000 });
    assert.deepEqual(takeLimits(adaptive.current(), true), { count: 500, bytes: 70_000 });
    const fixed = createFlushPolicy({ adaptive: false, countLimit: 500, bytesLimit: 70_000 });
    assert.deepEqual(takeLimits(fixed.current(), true), { count: 500, bytes: 70_000 });
  });
});
