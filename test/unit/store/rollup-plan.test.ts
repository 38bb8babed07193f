import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { RoaringBitmap32 } from 'roaring-wasm';
import {
  decodeChunkTops,
  decodeCounts,
  decodeMinuteEvents,
  decodeSeries,
  decodeTop,
  loadBitmaps,
} from '../../../src/sketch/index.ts';
import { decodeDeviceDetails, type Guarded } from '../../../src/store/index.ts';
import {
  type PlannedWrite,
  type RollupBatch,
  type RollupDeadLetter,
  type RollupEvent,
  deviceStatsEntries,
  onePerOffset,
  planDeviceStats,
  planRollups,
  planRollupsReading,
  touchedDocs,
} from '../../../src/store/rollup-plan.ts';

// The rollups must come out the same whatever happens on the way: batches cut anywhere, records
// delivered again from the last commit after a crash at any write, two writers working through the
// same partition (a rebalance), stale batches applied late. The simulation drives the planner as
// the ingest workers do (in offset order per partition, from the committed offset after a crash),
// and the end state must equal one plan of every record on an empty store.

type Rec = ({ kind: 'event' } & RollupEvent) | ({ kind: 'dead' } & RollupDeadLetter);

const T0 = Date.parse('2024-01-31T23:58:30Z');
// Event times around a month boundary, with a few far away (other days and months).
const TIMES = [0, 10_000, 45_000, 61_000, 90_000, 150_000, 200_500, 86_400_000, 40 * 86_400_000];

function records(partitions: number[][]): Rec[][] {
  return partitions.map((draws, p) =>
    draws.map((draw, offset): Rec => {
      const pk = `t~${p}`;
      if (draw % 7 === 6) return { kind: 'dead', pk, offset, docId: `t/${p}/${offset}` };
      const device = draw % 11;
      const ip = `10.0.0.${device}`;
      return {
        kind: 'event',
        pk,
        topic: 't',
        partition: p,
        offset,
        ts: T0 + TIMES[draw % TIMES.length]! + (draw % 997),
        ip,
        // Spread over several id chunks (65536 ids each).
        id: device * 40_000,
        code: (draw % 3) * 100 + 200,
      };
    }),
  );
}

function batchOf(recs: Rec[]): RollupBatch {
  return {
    events: recs.filter((r): r is Extract<Rec, { kind: 'event' }> => r.kind === 'event'),
    deadLetters: recs.filter((r): r is Extract<Rec, { kind: 'dead' }> => r.kind === 'dead'),
    // One clock reading for every batch: the stored log then equals the single plan's.
    storedAt: T0,
  };
}

class Store {
  readonly docs = new Map<string, Guarded>();

  /**
   * `apart`: as EventStore plans, device_stats documents after the rest, one document a slice
   * (its phases come after every other write, so a crash can fall between any two).
   */
  readonly apart: boolean;

  constructor(apart = false) {
    this.apart = apart;
  }

  plan(batch: RollupBatch): PlannedWrite[] {
    const scope = { deviceStats: !this.apart };
    const current = new Map(
      touchedDocs(batch, undefined, scope).map((r) => [r.id, this.docs.get(r.id) ?? null]),
    );
    if (!this.apart) return planRollups(batch, current);
    const writes = planRollups(batch, current, undefined, scope);
    [...deviceStatsEntries(onePerOffset(batch.events))].forEach((slice, i) => {
      const stats = planDeviceStats([slice], new Map([[slice[0], this.docs.get(slice[0]) ?? null]]));
      writes.push(...stats.map((w) => ({ ...w, phase: 100 + i })));
    });
    return writes;
  }

  /** Writes in phase order; with `cut`, stops part-way (a crash): the writes before it land. */
  apply(writes: PlannedWrite[], cut?: number): void {
    const ordered = [...writes].sort((a, b) => a.phase - b.phase);
    for (const w of ordered.slice(0, cut ?? ordered.length)) this.docs.set(w.doc._id, w.doc);
  }
}

const ids = (bytes: Uint8Array) => {
  const b = RoaringBitmap32.deserialize(bytes, 'portable');
  try {
    return [...b.toUint32Array()];
  } finally {
    b.dispose();
  }
};

/** A document's content in comparable form: versions dropped, binaries decoded. */
function normal(doc: Guarded): unknown {
  const out: Record<string, unknown> = { ...doc };
  delete out.v;
  const bin = (k: string) => (out[k] as { buffer: Uint8Array }).buffer;
  if ('detail' in out) out.detail = decodeMinuteEvents(bin('detail'));
  if ('counts' in out) out.counts = decodeCounts(bin('counts'));
  if ('bitmap' in out) out.bitmap = ids(bin('bitmap'));
  if ('slots' in out) out.slots = decodeDeviceDetails(bin('slots'));
  if (out.hll) out.hll = [...bin('hll')];
  // The latest dead letters are listed in the order they were stored, which depends on batching.
  if (doc._id === 'dead-letters') out.ids = [...(out.ids as string[])].sort();
  if (out.tops) out.tops = [...decodeChunkTops(bin('tops'))].map(([chunk, top]) => [chunk, decodeTop(top)]);
  if (out.series) out.series = decodeSeries(bin('series'));
  return out;
}

function snapshot(store: Store): Record<string, unknown> {
  return Object.fromEntries(
    [...store.docs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, d]) => [id, normal(d)]),
  );
}

function reference(recs: Rec[][]): Record<string, unknown> {
  const store = new Store();
  store.apply(store.plan(batchOf(recs.flat())));
  return snapshot(store);
}

before(loadBitmaps);

describe('planRollups', () => {
  it('writes nothing for a batch already applied', () => {
    const recs = records([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9],
    ]);
    const store = new Store();
    store.apply(store.plan(batchOf(recs.flat())));
    assert.deepEqual(store.plan(batchOf(recs.flat())), []);
    assert.deepEqual(store.plan(batchOf(recs[0]!.slice(2, 5))), []);
  });

  it('counts each device once in the totals, however many events it has', () => {
    const recs = records([
      [0, 0, 11, 11, 22],
      [0, 11],
    ]);
    const store = new Store();
    store.apply(store.plan(batchOf(recs.flat())));
    const totals = store.docs.get('totals') as unknown as { events: number; devices: number };
    assert.equal(totals.devices, 1, 'one device (10.0.0.0), many events');
    assert.equal(totals.events, 7);
  });

  for (const apart of [false, true])
    it(`ends in the same documents whatever the batching, crashes, replays and rebalances${apart ? ', device stats planned apart' : ''}`, () => {
      const partitions = fc.array(fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 40 }), {
        minLength: 1,
        maxLength: 3,
      });
      // Each step: which partition, how many records, whether the flush crashes (and where), and
      // whether a second writer steps in from the committed offset (a rebalance).
      const step = fc.record({
        p: fc.nat(),
        take: fc.integer({ min: 1, max: 12 }),
        // A batch can hold a record twice: the partition was fetched again (a rebalance back to this
        // worker, a restarted stream) while its first copy still waited in the buffer.
        repeat: fc.nat({ max: 4 }),
        crashAt: fc.option(fc.nat({ max: 200 }), { freq: 3 }),
        writer: fc.nat({ max: 1 }),
        rebalance: fc.boolean(),
      });
      fc.assert(
        fc.property(partitions, fc.array(step, { maxLength: 60 }), (draws, steps) => {
          const recs = records(draws);
          const store = new Store(apart);
          const committed = recs.map(() => 0);
          // Per writer and partition: where it reads next (writers may lag: stale batches).
          const position = [recs.map(() => 0), recs.map(() => 0)];
          for (const s of steps) {
            const p = s.p % recs.length;
            const w = s.writer;
            if (s.rebalance) position[w]![p] = committed[p]!;
            const from = position[w]![p]!;
            const chunk = recs[p]!.slice(from, from + s.take);
            if (chunk.length === 0) continue;
            const writes = store.plan(batchOf([...chunk, ...chunk.slice(0, s.repeat)]));
            if (s.crashAt !== null) {
              store.apply(writes, s.crashAt % (writes.length + 1));
              position[w]![p] = committed[p]!; // restarts from the last commit
              continue;
            }
            store.apply(writes);
            position[w]![p] = from + chunk.length;
            // Commits never go backwards (the group's offset wins).
            committed[p] = Math.max(committed[p]!, from + chunk.length);
          }
          // Drain: one writer finishes every partition from the committed offsets.
          for (let p = 0; p < recs.length; p++) {
            const rest = recs[p]!.slice(committed[p]);
            if (rest.length > 0) store.apply(store.plan(batchOf(rest)));
          }
          assert.deepEqual(snapshot(store), reference(recs));
        }),
        { numRuns: 150 },
      );
    });
});

describe('planning a large batch', () => {
  it('lets the event loop take turns (Kafka heartbeats share the thread)', async () => {
    const n = 80_000;
    const batch: RollupBatch = {
      events: Array.from({ length: n }, (_, i) => ({
        pk: `t~${i % 4}`,
        topic: 't',
        partition: i % 4,
        offset: Math.floor(i / 4),
        ts: T0 + Math.floor((i * 3_600_000) / n),
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        id: i * 7 + 3,
        code: [200, 404, 500][i % 3]!,
      })),
      deadLetters: [],
      storedAt: T0,
    };
    const current = new Map(touchedDocs(batch).map((r) => [r.id, null]));
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    const writes = await planRollupsReading(batch, current, () => Promise.resolve(new Map()));
    done = true;
    // Hundreds of milliseconds of planning (80k records from 80k devices): it yields every 50 ms.
    assert.ok(turns > 0, 'the event loop never ran while the batch was planned');
    assert.deepEqual(writes, planRollups(batch, current));
  });
});
