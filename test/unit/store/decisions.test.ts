import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { DeadLetter, DeviceEvent } from '../../../src/events/index.ts';
import { decodeCounts, decodeMinuteEvents, loadBitmaps } from '../../../src/sketch/index.ts';
import {
  classify,
  decodeOffsetSet,
  decodeReplayedMap,
  encodeOffsetSet,
  encodeReplayedMap,
  RECORD_LOG_BITS,
  recordLogId,
  RecordLogView,
} from '../../../src/store/decisions.ts';
import type { Guarded } from '../../../src/store/index.ts';
import { planRollups, type RollupBatch, toRollupEvent, touchedDocs } from '../../../src/store/rollup-plan.ts';

// Deliveries of one partition by writers whose decoders disagree about some records (one takes
// as an event what the other refuses), with crashes at any write, stale writers and redeliveries
// from the last commit. Whoever decides a record first, every document must count it once, in that
// form: the end state equals one plan of every record in the form its record log holds.

const T0 = Date.parse('2024-03-01T10:00:00Z');

function eventOf(offset: number, draw: number): DeviceEvent {
  return {
    id: `t/0/${offset}`,
    topic: 't',
    partition: 0,
    offset,
    ts: T0 + (draw % 5) * 61_000 + (draw % 1000),
    ip: `10.0.0.${draw % 7}`,
    errorCode: 500,
    bytes: 10,
  };
}

function deadOf(offset: number): DeadLetter {
  return {
    id: `t/0/${offset}`,
    topic: 't',
    partition: 0,
    offset,
    reason: 'OVERSIZED',
    message: 'too large then',
    key: null,
    value: '{}',
    valueBytes: 10,
    bytes: 10,
  };
}

const idOf = (ip: string) => Number(ip.split('.')[3]) * 30_000;

class Store {
  readonly docs = new Map<string, Guarded>();

  /** One delivery: classified against the record log, then planned; `cut` crashes part-way. */
  deliver(events: DeviceEvent[], deadLetters: DeadLetter[], cut?: number): void {
    const logIds = [...events, ...deadLetters].map((r) => recordLogId('t~0', r.offset));
    const read = new Map(logIds.map((id) => [id, this.docs.get(id) ?? null]));
    const decided = classify(
      { events, deadLetters },
      { log: new RecordLogView(read), legacyMarks: {}, storedEvents: this.#storedEvents(deadLetters) },
    );
    const batch: RollupBatch = {
      events: decided.events.map((e) => toRollupEvent(e, { n: idOf(e.ip), by: '' })),
      deadLetters: decided.deadLetters.map((d) => ({ pk: 't~0', offset: d.offset, docId: d.id })),
      records: decided.records,
      storedAt: T0,
    };
    const current = new Map(touchedDocs(batch).map((r) => [r.id, this.docs.get(r.id) ?? null]));
    const writes = planRollups(batch, current).sort((a, b) => a.phase - b.phase);
    for (const w of writes.slice(0, cut ?? writes.length)) this.docs.set(w.doc._id, w.doc);
  }

  /** What the event documents hold, for records a delivery decoded as dead letters. */
  #storedEvents(deadLetters: DeadLetter[]): Map<string, DeviceEvent | null> {
    return new Map(deadLetters.map((d) => [d.id, this.stored.get(d.offset) ?? null]));
  }

  /** The events' documents as the store writes them (by the first delivery that stored each). */
  readonly stored = new Map<number, DeviceEvent>();

  /** The records' decided forms, from the record log. */
  forms(count: number): ('event' | 'dead' | undefined)[] {
    const view = new RecordLogView(this.docs);
    return Array.from({ length: count }, (_, o) => {
      const form = view.form('t~0', o);
      return form === 'replayed' ? 'event' : form;
    });
  }
}

function comparable(store: Store): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, doc] of [...store.docs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const d = doc as unknown as Record<string, unknown> & {
      detail?: { buffer: Uint8Array };
      counts?: { buffer: Uint8Array };
    };
    out[id] = {
      hw: doc.hw,
      events: d.events,
      unique: d.unique,
      deadLetters: d.deadLetters,
      devices: d.devices,
      ...(d.detail ? { detail: decodeMinuteEvents(d.detail.buffer) } : {}),
      ...(d.counts ? { counts: decodeCounts(d.counts.buffer) } : {}),
    };
  }
  return out;
}

before(loadBitmaps);

describe('record log sets', () => {
  it('round-trips offsets within a block', () => {
    const offsets = new Set([0, 1, 2, 700, 2 ** RECORD_LOG_BITS - 1]);
    assert.deepEqual(decodeOffsetSet(encodeOffsetSet(offsets)), offsets);
    assert.deepEqual(decodeOffsetSet(undefined), new Set());
    const replayed = new Map([
      [3, 17],
      [0, 2 ** 40],
      [900, 1],
    ]);
    assert.deepEqual(decodeReplayedMap(encodeReplayedMap(replayed)), replayed);
  });

  it('says nothing of offsets below what a document decided, or past its mark', () => {
    const store = new Store();
    store.deliver([eventOf(5, 1), eventOf(7, 2)], [deadOf(6)]);
    const view = new RecordLogView(store.docs);
    assert.equal(view.form('t~0', 4), undefined, 'below the first offset it decided');
    assert.deepEqual(
      [5, 6, 7].map((o) => view.form('t~0', o)),
      ['event', 'dead', 'event'],
    );
    assert.equal(view.form('t~0', 8), undefined, 'past its mark');
    assert.equal(view.form('t~1', 5), undefined, 'another partition');
  });
});

describe('classify', () => {
  it('keeps the first decision of each record, whatever a later delivery decoded', () => {
    const store = new Store();
    store.stored.set(1, eventOf(1, 3));
    store.deliver([eventOf(0, 1), eventOf(1, 3)], [deadOf(2)]);
    const view = new RecordLogView(store.docs);
    const later = classify(
      { events: [eventOf(0, 1), eventOf(2, 9)], deadLetters: [deadOf(1), deadOf(3)] },
      { log: view, legacyMarks: {}, storedEvents: new Map([['t/0/1', eventOf(1, 3)]]) },
    );
    assert.deepEqual(
      later.events.map((e) => e.offset),
      [0, 1],
      'decided events, the stored one included',
    );
    assert.deepEqual(
      later.deadLetters.map((d) => [d.offset, d.reason]),
      [
        [2, 'DECIDED_DEAD'],
        [3, 'OVERSIZED'],
      ],
    );
    assert.deepEqual(later.notEvents, ['t/0/2', 't/0/3']);
    assert.deepEqual(
      later.records,
      [{ pk: 't~0', offset: 3, dead: true }],
      'only the undecided one is decided now',
    );
  });

  it('asks for the stored event of a record decided as one that this delivery refused', () => {
    const store = new Store();
    store.deliver([eventOf(0, 1)], []);
    const asked = classify(
      { events: [], deadLetters: [deadOf(0)] },
      { log: new RecordLogView(store.docs), legacyMarks: {} },
    );
    assert.deepEqual(asked.storedEventsNeeded, ['t/0/0']);
    assert.deepEqual(asked.events, []);
  });

  it('asks how schema 1 stored a record below the totals mark that no record log holds', () => {
    const asked = classify(
      { events: [eventOf(3, 1)], deadLetters: [deadOf(4)] },
      { log: new RecordLogView(new Map()), legacyMarks: { 't~0': 4 } },
    );
    assert.deepEqual(asked.legacyNeeded, ['t/0/3', 't/0/4']);
    const answered = classify(
      { events: [eventOf(3, 1)], deadLetters: [deadOf(4)] },
      {
        log: new RecordLogView(new Map()),
        legacyMarks: { 't~0': 4 },
        legacyForms: new Map([
          ['t/0/3', 'dead'],
          ['t/0/4', 'dead'],
        ]),
      },
    );
    assert.deepEqual(
      answered.deadLetters.map((d) => d.offset),
      [3, 4],
    );
    assert.deepEqual(answered.records, [], 'schema 1 decided them');
  });
});

describe('deliveries that decide differently', () => {
  it('end with every record counted once, in its decided form, in every document', () => {
    const step = fc.record({
      // Which writer delivers: each refuses the records its decoder refuses.
      writer: fc.nat({ max: 1 }),
      take: fc.integer({ min: 1, max: 8 }),
      crashAt: fc.option(fc.nat({ max: 60 }), { freq: 3 }),
      // Back to the last commit (a rebalance or a restart).
      rewind: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat({ max: 5 }), { minLength: 2, maxLength: 2 }),
        fc.array(step, { maxLength: 40 }),
        (draws, moduli, steps) => {
          // Writer w refuses record o when o's draw is divisible by its modulus + 2.
          const refuses = (w: number, o: number) => draws[o]! % (moduli[w]! + 2) === 0;
          const store = new Store();
          draws.forEach((d, o) => store.stored.set(o, eventOf(o, d)));
          let committed = 0;
          const position = [0, 0];
          const deliver = (w: number, from: number, to: number, cut?: number) => {
            const offsets = Array.from({ length: to - from }, (_, i) => from + i);
            store.deliver(
              offsets.filter((o) => !refuses(w, o)).map((o) => eventOf(o, draws[o]!)),
              offsets.filter((o) => refuses(w, o)).map(deadOf),
              cut,
            );
          };
          for (const s of steps) {
            if (s.rewind) position[s.writer] = committed;
            const from = position[s.writer]!;
            const to = Math.min(draws.length, from + s.take);
            if (from >= to) continue;
            if (s.crashAt !== null) {
              deliver(s.writer, from, to, s.crashAt);
              position[s.writer] = committed;
              continue;
            }
            deliver(s.writer, from, to);
            position[s.writer] = to;
            committed = Math.max(committed, to);
          }
          if (committed < draws.length) deliver(0, committed, draws.length);
          const forms = store.forms(draws.length);
          assert.ok(
            forms.every((f) => f !== undefined),
            'every record decided',
          );
          const reference = new Store();
          draws.forEach((d, o) => reference.stored.set(o, eventOf(o, d)));
          const offsets = draws.map((_, o) => o);
          reference.deliver(
            offsets.filter((o) => forms[o] === 'event').map((o) => eventOf(o, draws[o]!)),
            offsets.filter((o) => forms[o] === 'dead').map(deadOf),
          );
          assert.deepEqual(comparable(store), comparable(reference));
        },
      ),
      { numRuns: 200 },
    );
  });
});
