/**
 * What each record was stored as, decided once: the record log. A record can be delivered more than
 * once (a crash before the commit, a rebalance), and two deliveries can decide differently about it
 * (a larger MAX_RECORD_BYTES or a newer decoder accepts what an older one refused). Whatever the
 * later ones decide, it counts in the form the first one stored, in every document.
 *
 * One document per partition and block of 2^14 offsets (`rec:<partition key>/<block>`) holds, as
 * every rollup document does, the partition's mark (`hw`: every offset up to it is decided), and
 * which of the decided offsets are dead letters, and which of those a dead-letter replay stored as
 * events since. It is written first (phase -1), before any document that counts the records, so a
 * crash at any later write leaves the decision for the next delivery to follow: it applies the
 * records in their decided form to exactly the documents that missed them.
 *
 * Records below the mark of the totals but not of their record log were stored by an ipstream of
 * schema 1, which kept no record log: their form is whether their event document exists.
 */
import { Binary } from 'mongodb';
import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import { ByteReader, ByteWriter } from '../sketch/index.ts';
import { decidedDeadLetter } from './event-docs.ts';
import type { Guarded } from './schema.ts';

/** Offsets per record-log document: 2^14, a few documents per batch and partition at most. */
export const RECORD_LOG_BITS = 14;

export interface RecordLogDoc extends Guarded {
  /**
   * The lowest offset this document decided: offsets of the block below it were stored before the
   * record log existed (schema 1), or never.
   */
  from?: number;
  /** Offsets of the block decided as dead letters, relative to the block's start (offsetSet). */
  dead?: Binary;
  /**
   * Of those, the ones a dead-letter replay stored as events since (it counted them), each with the
   * replay's sequence number (replayedMap).
   */
  replayed?: Binary;
  /** Buckets layout: the runs ([from, to], absolute offsets) of the buckets overlapping the block. */
  buckets?: Binary;
}

/** A record's decision, as a batch takes it: its partition, offset, and whether it is a dead letter. */
export interface RecordDecision {
  pk: string;
  offset: number;
  dead: boolean;
}

/** A record whose dead letter a replay stored as an event. */
export interface ReplayedRecord {
  /** The record's own partition and offset. */
  pk: string;
  offset: number;
  /** The replay's sequence number, its guard under REPLAY_PK. */
  seq: number;
}

/** How a decided record counts: as an event, as a dead letter, or as an event a replay stored. */
export type DecidedForm = 'event' | 'dead' | 'replayed';

export function recordLogBlock(offset: number): number {
  return Math.floor(offset / 2 ** RECORD_LOG_BITS);
}

/** The offset relative to the start of its block: what the sets hold. */
export function blockOffset(offset: number): number {
  return offset - recordLogBlock(offset) * 2 ** RECORD_LOG_BITS;
}

export function recordLogId(pk: string, offset: number): string {
  return `rec:${pk}/${recordLogBlock(offset)}`;
}

/** Sorted offsets relative to their block's start, as a count and varint deltas. */
export function encodeOffsetSet(offsets: ReadonlySet<number>): Binary {
  const sorted = [...offsets].sort((a, b) => a - b);
  const w = new ByteWriter(sorted.length * 2 + 4).uint(sorted.length);
  let previous = 0;
  for (const o of sorted) {
    w.uint(o - previous);
    previous = o;
  }
  return new Binary(w.finish());
}

/** Offsets relative to their block's start, each with a number: count, then (delta, number) pairs. */
export function encodeReplayedMap(replayed: ReadonlyMap<number, number>): Binary {
  const sorted = [...replayed].sort((a, b) => a[0] - b[0]);
  const w = new ByteWriter(sorted.length * 4 + 4).uint(sorted.length);
  let previous = 0;
  for (const [offset, seq] of sorted) {
    w.uint(offset - previous).uint(seq);
    previous = offset;
  }
  return new Binary(w.finish());
}

export function decodeReplayedMap(binary: Binary | undefined): Map<number, number> {
  const map = new Map<number, number>();
  if (binary === undefined) return map;
  const r = new ByteReader(binary.buffer);
  let offset = 0;
  for (let n = r.uint(); n > 0; n--) {
    offset += r.uint();
    map.set(offset, r.uint());
  }
  return map;
}

/** Runs of offsets as a count and (from, length) varint pairs, sorted by from. */
export function encodeRuns(runs: Iterable<{ from: number; to: number }>): Binary {
  const sorted = [...runs].sort((a, b) => a.from - b.from);
  const w = new ByteWriter(sorted.length * 6 + 4).uint(sorted.length);
  for (const r of sorted) w.uint(r.from).uint(r.to - r.from);
  return new Binary(w.finish());
}

export function decodeRuns(binary: Binary | undefined): { from: number; to: number }[] {
  if (binary === undefined) return [];
  const r = new ByteReader(binary.buffer);
  return Array.from({ length: r.uint() }, () => {
    const from = r.uint();
    return { from, to: from + r.uint() };
  });
}

export function decodeOffsetSet(binary: Binary | undefined): Set<number> {
  const set = new Set<number>();
  if (binary === undefined) return set;
  const r = new ByteReader(binary.buffer);
  let offset = 0;
  for (let n = r.uint(); n > 0; n--) set.add((offset += r.uint()));
  return set;
}

/**
 * The decided form of records, from the record-log documents of a batch (null where one does not
 * exist yet); each document's sets are decoded once.
 */
export class RecordLogView {
  readonly #docs: ReadonlyMap<string, RecordLogDoc | null>;
  readonly #sets = new Map<string, { dead: Set<number>; replayed: Map<number, number> }>();

  constructor(docs: ReadonlyMap<string, Guarded | null>) {
    this.#docs = docs;
  }

  /**
   * How the record at `offset` of partition `pk` counts, or undefined when the record log does not
   * say: undecided, or stored before the record log existed.
   */
  form(pk: string, offset: number): DecidedForm | undefined {
    const id = recordLogId(pk, offset);
    const doc = this.#docs.get(id) ?? null;
    if (doc === null) return undefined;
    const sets = this.#setsOf(id, doc);
    const relative = blockOffset(offset);
    // A replay can mark a record of schema 1 too: replayed is decided wherever it stands.
    if (sets.replayed.has(relative)) return 'replayed';
    if (doc.from === undefined || offset < doc.from || offset > (doc.hw[pk] ?? -1)) return undefined;
    return sets.dead.has(relative) ? 'dead' : 'event';
  }

  /** Buckets layout: where the bucket holding the record at `offset` starts, if the log names one. */
  bucketOf(pk: string, offset: number): number | undefined {
    const doc = this.#docs.get(recordLogId(pk, offset)) ?? null;
    return decodeRuns(doc?.buckets ?? undefined).find((r) => r.from <= offset && offset <= r.to)?.from;
  }

  /** The sequence number of the replay that stored the record at `offset` as an event, if one did. */
  replayedBy(pk: string, offset: number): number | undefined {
    const id = recordLogId(pk, offset);
    const doc = this.#docs.get(id) ?? null;
    return doc === null ? undefined : this.#setsOf(id, doc).replayed.get(blockOffset(offset));
  }

  #setsOf(id: string, doc: RecordLogDoc): { dead: Set<number>; replayed: Map<number, number> } {
    let sets = this.#sets.get(id);
    if (sets === undefined) {
      sets = { dead: decodeOffsetSet(doc.dead), replayed: decodeReplayedMap(doc.replayed) };
      this.#sets.set(id, sets);
    }
    return sets;
  }
}

/** What one delivery of a batch decoded: the events the store kept, and the dead letters. */
export interface Delivery {
  events: readonly DeviceEvent[];
  deadLetters: readonly DeadLetter[];
}

/** How a delivery's records count, given what earlier deliveries decided. */
export interface Classification {
  /** Events that count: decided as events, or decided so now (as this delivery decoded them). */
  events: DeviceEvent[];
  /**
   * Records decided as events that this delivery decoded as dead letters: their stored events count
   * (the caller reads them and classifies again with `storedEvents`).
   */
  storedEventsNeeded: string[];
  /** Dead letters that count, decided now or before. */
  deadLetters: DeadLetter[];
  /** Records whose event documents must not exist: they count as dead letters, or not at all. */
  notEvents: string[];
  /** The decisions taken now, for the record log: every record not decided before. */
  records: RecordDecision[];
  /** Records of schema 1 (below the totals' marks, not in the record log): their events decide. */
  legacyNeeded: string[];
}

export interface Earlier {
  log: RecordLogView;
  /** The totals' marks: how far each partition was stored, by any schema. */
  legacyMarks: Readonly<Record<string, number>>;
  /** Of the records asked for in legacyNeeded: how schema 1 stored them. */
  legacyForms?: ReadonlyMap<string, 'event' | 'dead'>;
  /** Of the records asked for in storedEventsNeeded: their stored events (null: expired since). */
  storedEvents?: ReadonlyMap<string, DeviceEvent | null>;
}

/**
 * Decides how each record of a delivery counts. A record the record log decided keeps its form; a
 * record of schema 1 is an event if its event document exists; any other is decided now, as this
 * delivery decoded it. Pure.
 */
export function classify(delivery: Delivery, earlier: Earlier): Classification {
  const out: Classification = {
    events: [],
    storedEventsNeeded: [],
    deadLetters: [],
    notEvents: [],
    records: [],
    legacyNeeded: [],
  };
  const formOf = (pk: string, offset: number, id: string): DecidedForm | 'undecided' | 'unknown' => {
    const logged = earlier.log.form(pk, offset);
    if (logged !== undefined) return logged;
    if (offset > (earlier.legacyMarks[pk] ?? -1)) return 'undecided';
    return earlier.legacyForms?.get(id) ?? 'unknown';
  };
  for (const e of delivery.events) {
    const pk = partitionKey(e.topic, e.partition);
    const form = formOf(pk, e.offset, e.id);
    if (form === 'unknown') out.legacyNeeded.push(e.id);
    else if (form === 'event') out.events.push(e);
    else if (form === 'undecided') {
      out.events.push(e);
      out.records.push({ pk, offset: e.offset, dead: false });
    } else if (form === 'dead') {
      out.deadLetters.push(decidedDeadLetter(e));
      out.notEvents.push(e.id);
    }
    // 'replayed': a dead-letter replay counted it; its event document is the replay's.
  }
  for (const d of delivery.deadLetters) {
    const pk = partitionKey(d.topic, d.partition);
    const form = formOf(pk, d.offset, d.id);
    if (form === 'unknown') out.legacyNeeded.push(d.id);
    else if (form === 'event') {
      const stored = earlier.storedEvents?.get(d.id);
      if (stored === undefined) out.storedEventsNeeded.push(d.id);
      else if (stored !== null) out.events.push(stored);
      // null: decided as an event whose document retention has deleted since; nothing to count again.
    } else if (form === 'dead' || form === 'undecided') {
      out.deadLetters.push(d);
      out.notEvents.push(d.id);
      if (form === 'undecided') out.records.push({ pk, offset: d.offset, dead: true });
    }
  }
  return out;
}
