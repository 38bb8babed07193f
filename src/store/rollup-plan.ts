/**
 * Pure planning of the rollup writes of one batch: which documents it touches, and their new
 * contents given what they hold now.
 *
 * Every rollup document carries, per topic-partition, the highest offset already applied to it
 * (`hw`), and a plan applies to each document only the batch's records above its own mark. So a
 * replayed, re-batched or concurrently delivered record is applied to each document once and only
 * once, whichever documents a crash left written. Documents that summarise others (a bucket's head
 * holds its children's series and its chunks' top lists) are computed from those others' new
 * contents, and are written after them (`phase`), so a crash between the two leaves a head that the
 * replay recomputes.
 */
import { Binary } from 'mongodb';
import { InternalError } from '../errors/index.ts';
import { type DeviceEvent, partitionKey } from '../events/index.ts';
import {
  addCounts,
  addToBitmap,
  countIds,
  type CountVector,
  decodeChunkTops,
  decodeCounts,
  decodeMinuteEvents,
  decodeSeries,
  EMPTY_COUNTS,
  encodeChunkTops,
  encodeCounts,
  encodeMinuteEvents,
  encodeSeries,
  encodeTop,
  HyperLogLog,
  mergeMinuteEvents,
  minuteEvents,
  NO_EVENTS,
  topOf,
} from '../sketch/index.ts';
import {
  blockOffset,
  decodeOffsetSet,
  decodeReplayedMap,
  encodeOffsetSet,
  encodeReplayedMap,
  type RecordDecision,
  type RecordLogDoc,
  recordLogId,
  type ReplayedRecord,
} from './decisions.ts';
import { type DeviceDetails, decodeDeviceDetails, encodeDeviceDetails } from './device-details.ts';
import type { DeviceId } from './registry.ts';
import {
  ALL_TIME_ID,
  CHILD_LEVEL,
  DEVICE_CHUNK_BITS,
  LATEST_DEAD_LETTERS_ID,
  storedLogId,
  type Level,
  SUMMARY_LEVELS,
  TOTALS_ID,
  BucketCache,
  bucketId,
  bucketStart,
  childCount,
  childIndex,
  countsId,
  deviceChunkId,
  idChunk,
  hllId,
  setId,
} from './levels.ts';
import {
  type CountsDoc,
  type DeviceStatsDoc,
  type Guarded,
  type HeadDoc,
  type HllDoc,
  type LatestDeadLettersDoc,
  type StoredLogDoc,
  type MinuteDoc,
  type SetDoc,
  type TotalsDoc,
  HLL_PRECISION,
} from './schema.ts';

/** Entries kept per id chunk in a head's top lists. */
const TOP_PER_CHUNK = 50;
/** Dead letters listed newest first in `dead-letters` (the API's largest page). */
export const LATEST_DEAD_LETTERS = 1000;

/**
 * The guard key of events stored by a dead-letter replay, whose offsets are the replay's sequence
 * numbers: their own partitions' marks are past them already. partitionKey() always holds a '~'.
 */
export const REPLAY_PK = 'dead-letter-replays';

export interface RollupEvent {
  /** partitionKey(topic, partition), or REPLAY_PK */
  pk: string;
  topic: string;
  partition: number;
  /** The record's offset, or with REPLAY_PK the replay's sequence number. */
  offset: number;
  /** With REPLAY_PK: the event's id (its record's coordinates), for the stored log. */
  replayOf?: string;
  ts: number;
  ip: string;
  /** The device's dense id. */
  id: number;
  code: number;
}

/** An event as the rollups count it: guarded by its partition's offset, for its device's dense id. */
export function toRollupEvent(e: DeviceEvent, device: DeviceId): RollupEvent {
  return {
    pk: partitionKey(e.topic, e.partition),
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    ts: e.ts,
    ip: e.ip,
    id: device.n,
    code: e.errorCode,
  };
}

export interface RollupDeadLetter {
  pk: string;
  offset: number;
  /** The dead letter's document id. */
  docId: string;
}

export interface RollupBatch {
  events: RollupEvent[];
  deadLetters: RollupDeadLetter[];
  /** Dead letters a replay stored as events (or found stored), under REPLAY_PK: no longer counted. */
  replayedDeadLetters?: RollupDeadLetter[];
  /**
   * Every record of the batch's partitions, in the form it counts in: what the record log
   * (decisions.ts) keeps, before anything counts them.
   */
  records?: RecordDecision[];
  /** Records whose dead letters a replay stored as events, by the replay's sequence number. */
  replayedRecords?: ReplayedRecord[];
  /** When the batch is stored (the writer's clock, epoch ms): the hour of its stored log. */
  storedAt: number;
}

export type RollupCollection = 'rollups' | 'deviceStats';

export interface DocRef {
  collection: RollupCollection;
  id: string;
}

/** The documents a batch's rollups read and may write. */
export function touchedDocs(batch: RollupBatch, buckets = new BucketCache()): DocRef[] {
  const rollups = new Set<string>([TOTALS_ID, storedLogId(batch.storedAt)]);
  const devices = new Set<string>();
  if (batch.deadLetters.length > 0 || (batch.replayedDeadLetters?.length ?? 0) > 0)
    rollups.add(LATEST_DEAD_LETTERS_ID);
  if (batch.events.length > 0) rollups.add(ALL_TIME_ID);
  for (const r of batch.records ?? []) rollups.add(recordLogId(r.pk, r.offset));
  for (const r of batch.replayedRecords ?? []) rollups.add(recordLogId(r.pk, r.offset));
  // Per minute, the id chunks of its events: ids are built once per minute and chunk, not per event.
  const chunksByMinute = new Map<number, Set<number>>();
  const deviceChunks = new Set<number>();
  for (const e of batch.events) {
    const minute = buckets.of(e.ts).starts.minute;
    let chunks = chunksByMinute.get(minute);
    if (chunks === undefined) chunksByMinute.set(minute, (chunks = new Set()));
    chunks.add(idChunk(e.id));
    deviceChunks.add(e.id >>> DEVICE_CHUNK_BITS);
  }
  for (const [minute, chunks] of chunksByMinute) {
    const { ids } = buckets.of(minute);
    rollups.add(ids.minute);
    for (const level of SUMMARY_LEVELS) {
      rollups.add(ids[level]).add(setId(ids[level])).add(hllId(ids[level]));
      for (const chunk of chunks) rollups.add(countsId(ids[level], chunk));
    }
    for (const chunk of chunks) rollups.add(countsId(ALL_TIME_ID, chunk));
  }
  for (const chunk of deviceChunks) devices.add(deviceChunkId(chunk << DEVICE_CHUNK_BITS));
  return [
    ...[...rollups].map((id) => ({ collection: 'rollups' as const, id })),
    ...[...devices].map((id) => ({ collection: 'deviceStats' as const, id })),
  ];
}

/** A document to write: an insert when `expectedV` is null, else a replacement of version expectedV. */
export interface PlannedWrite {
  collection: RollupCollection;
  doc: Guarded;
  expectedV: number | null;
  /** Writes of a lower phase go first: children before the heads summarising them. */
  phase: number;
}

export type CurrentDocs = ReadonlyMap<string, Guarded | null>;

interface Offset {
  pk: string;
  offset: number;
}

function onePerOffset<E extends Offset>(entries: readonly E[]): E[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.pk}\u0000${e.offset}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Per partition, the lowest and highest offset of a list of entries (computed once per list). */
const spans = new WeakMap<readonly Offset[], Map<string, { min: number; max: number }>>();

function spanOf(entries: readonly Offset[]): Map<string, { min: number; max: number }> {
  let span = spans.get(entries);
  if (span === undefined) {
    span = new Map();
    for (const e of entries) {
      const s = span.get(e.pk);
      if (s === undefined) span.set(e.pk, { min: e.offset, max: e.offset });
      else if (e.offset < s.min) s.min = e.offset;
      else if (e.offset > s.max) s.max = e.offset;
    }
    spans.set(entries, span);
  }
  return span;
}

/** The entries above the document's marks. Most often all or none, decided per partition. */
function fresh<E extends Offset>(
  hw: Record<string, number> | undefined,
  entries: readonly E[],
): readonly E[] {
  if (hw === undefined) return entries;
  let all = true;
  let none = true;
  for (const [pk, s] of spanOf(entries)) {
    const mark = hw[pk] ?? -1;
    if (s.min <= mark) all = false;
    if (s.max > mark) none = false;
  }
  if (all) return entries;
  if (none) return [];
  return entries.filter((e) => e.offset > (hw[e.pk] ?? -1));
}

function advanced(
  hw: Record<string, number> | undefined,
  entries: readonly Offset[],
): Record<string, number> {
  const next = { ...hw };
  for (const [pk, s] of spanOf(entries)) if (s.max > (next[pk] ?? -1)) next[pk] = s.max;
  return next;
}

function binary(bytes: Uint8Array): Binary {
  return new Binary(bytes);
}

function bytesOf(b: Binary): Uint8Array {
  return b.buffer;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

function byChunk(entries: readonly RollupEvent[]): Map<number, RollupEvent[]> {
  return groupBy(entries, (e) => idChunk(e.id));
}

/**
 * Plans the writes for `batch` against the current contents of every document in
 * touchedDocs(batch) (null where one does not exist yet). Documents with nothing fresh are left
 * alone. Pure: the same inputs give the same writes.
 */
export function planRollups(
  batch: RollupBatch,
  current: CurrentDocs,
  buckets = new BucketCache(),
): PlannedWrite[] {
  const plan = new Planner(current, buckets);
  if ((batch.records?.length ?? 0) > 0 || (batch.replayedRecords?.length ?? 0) > 0)
    plan.recordLog(batch.records ?? [], batch.replayedRecords ?? []);
  // A batch can hold a record twice (its partition was fetched again while the first copy still
  // waited in the buffer): each offset counts once.
  const events = onePerOffset(batch.events);
  const deadLetters = onePerOffset(batch.deadLetters);
  // Events by minute once; coarser buckets are unions of their minutes.
  const byMinute = new Map<number, RollupEvent[]>();
  for (const e of events) {
    const minute = buckets.of(e.ts).starts.minute;
    const list = byMinute.get(minute);
    if (list === undefined) byMinute.set(minute, [e]);
    else list.push(e);
  }
  for (const [minute, entries] of byMinute) plan.minute(buckets.of(minute).ids.minute, minute, entries);
  for (const level of SUMMARY_LEVELS) {
    const byBucket = new Map<string, RollupEvent[]>();
    for (const [minute, entries] of byMinute) {
      const id = buckets.of(minute).ids[level];
      const list = byBucket.get(id);
      if (list === undefined) byBucket.set(id, [...entries]);
      else for (const e of entries) list.push(e);
    }
    for (const [id, entries] of byBucket)
      plan.summary(level, id, buckets.of(entries[0]!.ts).starts[level], entries);
  }
  if (events.length > 0) plan.allTime(events);
  for (const [id, entries] of groupBy(events, (e) => deviceChunkId(e.id))) plan.devices(id, entries);
  const replayed = onePerOffset(batch.replayedDeadLetters ?? []);
  plan.totals({ events, deadLetters, replayedDeadLetters: replayed, storedAt: batch.storedAt });
  if (events.length > 0) plan.storedLog(events, batch.storedAt);
  if (deadLetters.length > 0 || replayed.length > 0) plan.latestDeadLetters(deadLetters, replayed);
  return plan.writes;
}

class Planner {
  readonly writes: PlannedWrite[] = [];
  /** Every document's content after this plan: what heads summarise. */
  readonly #after = new Map<string, Guarded | null>();

  readonly #buckets: BucketCache;

  constructor(current: CurrentDocs, buckets: BucketCache) {
    for (const [id, doc] of current) this.#after.set(id, doc);
    this.#buckets = buckets;
  }

  #get<D extends Guarded>(id: string): D | null {
    if (!this.#after.has(id))
      throw new InternalError(`planRollups: ${id} was not read (touchedDocs is out of step)`);
    return this.#after.get(id) as D | null;
  }

  /**
   * Plans document `id` over `before` (null: a new document): its `fields`, and its marks advanced
   * past `applied`. Writes of a lower phase go first.
   */
  #put<D extends Guarded>(
    collection: RollupCollection,
    phase: number,
    before: D | null,
    id: string,
    applied: readonly Offset[],
    fields: Omit<D, keyof Guarded>,
  ): void {
    const written: Guarded = {
      _id: id,
      v: (before?.v ?? 0) + 1,
      hw: advanced(before?.hw, applied),
      ...fields,
    };
    this.#after.set(id, written);
    this.writes.push({ collection, doc: written, expectedV: before === null ? null : before.v, phase });
  }

  minute(id: string, start: number, entries: RollupEvent[]): void {
    const before = this.#get<MinuteDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const detail = mergeMinuteEvents(
      before === null ? NO_EVENTS : decodeMinuteEvents(bytesOf(before.detail)),
      minuteEvents(add.map((e) => ({ ms: e.ts - start, id: e.id }))),
    );
    this.#put<MinuteDoc>('rollups', 0, before, id, add, {
      start: new Date(start),
      events: detail.ms.length,
      unique: countIds(detail.ids).ids.length,
      detail: binary(encodeMinuteEvents(detail)),
    });
  }

  /** A chunk's counts after adding its fresh entries; writes it if any. Returns its counts. */
  #counts(id: string, entries: readonly RollupEvent[]): CountVector {
    const before = this.#get<CountsDoc>(id);
    const stored = before === null ? EMPTY_COUNTS : decodeCounts(bytesOf(before.counts));
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return stored;
    const counts = addCounts(stored, countIds(add.map((e) => e.id)));
    this.#put<CountsDoc>('rollups', 0, before, id, add, {
      counts: binary(encodeCounts(counts)),
    });
    return counts;
  }

  /** The head's top lists with those of the touched chunks recomputed. */
  #tops(before: HeadDoc | null, chunks: Map<number, CountVector>): Binary {
    const tops = before === null ? new Map<number, Uint8Array>() : decodeChunkTops(bytesOf(before.tops));
    for (const [chunk, counts] of chunks) tops.set(chunk, encodeTop(topOf(counts, TOP_PER_CHUNK)));
    return binary(encodeChunkTops(tops));
  }

  summary(level: Exclude<Level, 'minute'>, headId: string, start: number, entries: RollupEvent[]): void {
    // Children first: the bitmap and the per-chunk counts.
    const setBefore = this.#get<SetDoc>(setId(headId));
    const setAdd = fresh(setBefore?.hw, entries);
    let size = setBefore?.size ?? 0;
    if (setAdd.length > 0) {
      const bitmap = addToBitmap(
        setBefore === null ? null : bytesOf(setBefore.bitmap),
        setAdd.map((e) => e.id),
      );
      size = bitmap.size;
      this.#put<SetDoc>('rollups', 0, setBefore, setId(headId), setAdd, {
        bitmap: binary(bitmap.bytes),
        size,
        events: (setBefore?.events ?? 0) + setAdd.length,
      });
    }
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(entries))
      chunks.set(chunk, this.#counts(countsId(headId, chunk), list));
    this.#hll(hllId(headId), entries);

    const before = this.#get<HeadDoc>(headId);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const childLevel = CHILD_LEVEL[level];
    const { events, unique } = before?.series
      ? decodeSeries(bytesOf(before.series))
      : {
          events: new Array<number>(childCount(level, start)).fill(0),
          unique: new Array<number>(childCount(level, start)).fill(0),
        };
    for (const childStart of new Set(entries.map((e) => this.#buckets.of(e.ts).starts[childLevel]))) {
      const i = childIndex(level, start, childStart);
      const child = this.#childSummary(childLevel, childStart);
      events[i] = child.events;
      unique[i] = child.unique;
    }
    // Hours after minutes, days after hours, months after days.
    this.#put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.indexOf(level), before, headId, add, {
      level,
      start: new Date(start),
      events: (before?.events ?? 0) + add.length,
      unique: size,
      series: binary(encodeSeries({ events, unique })),
      tops: this.#tops(before, chunks),
    });
  }

  #hll(id: string, entries: RollupEvent[]): void {
    const before = this.#get<HllDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const hll = before
      ? HyperLogLog.fromBytes(bytesOf(before.hll), HLL_PRECISION)
      : new HyperLogLog(HLL_PRECISION);
    for (const n of new Set(add.map((e) => e.id))) hll.add(String(n));
    this.#put<HllDoc>('rollups', 0, before, id, add, {
      events: (before?.events ?? 0) + add.length,
      hll: binary(hll.toBytes()),
    });
  }

  #childSummary(level: Level, start: number): { events: number; unique: number } {
    const id = bucketId(level, start);
    if (level === 'minute') {
      const minute = this.#get<MinuteDoc>(id);
      return { events: minute?.events ?? 0, unique: minute?.unique ?? 0 };
    }
    const head = this.#get<HeadDoc>(id);
    return { events: head?.events ?? 0, unique: head?.unique ?? 0 };
  }

  allTime(events: RollupEvent[]): void {
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(events))
      chunks.set(chunk, this.#counts(countsId(ALL_TIME_ID, chunk), list));
    const before = this.#get<HeadDoc>(ALL_TIME_ID);
    const add = fresh(before?.hw, events);
    if (add.length === 0) return;
    if (before !== null && before.chunkDevices === undefined) {
      throw new InternalError('the all-time head predates schema 2 (recordedSchema migrates it first)');
    }
    const chunkDevices = [...(before?.chunkDevices ?? [])];
    for (const [chunk, counts] of chunks) {
      while (chunkDevices.length <= chunk) chunkDevices.push(0);
      chunkDevices[chunk] = counts.ids.length;
    }
    this.#put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.length, before, ALL_TIME_ID, add, {
      level: 'all',
      start: null,
      events: (before?.events ?? 0) + add.length,
      unique: chunkDevices.reduce((a, b) => a + b, 0),
      series: null,
      tops: this.#tops(before, chunks),
      chunkDevices,
    });
  }

  /** The batch's decisions, before anything counts them: the record log (decisions.ts). */
  recordLog(records: readonly RecordDecision[], replayed: readonly ReplayedRecord[]): void {
    const byDoc = groupBy(records, (r) => recordLogId(r.pk, r.offset));
    const replayedByDoc = groupBy(replayed, (r) => recordLogId(r.pk, r.offset));
    for (const id of new Set([...byDoc.keys(), ...replayedByDoc.keys()])) {
      const before = this.#get<RecordLogDoc>(id);
      const decided = fresh(before?.hw, onePerOffset(byDoc.get(id) ?? []));
      const replays = fresh(
        before?.hw,
        onePerOffset(
          (replayedByDoc.get(id) ?? []).map((r) => ({ ...r, pk: REPLAY_PK, offset: r.seq, of: r })),
        ),
      );
      if (decided.length === 0 && replays.length === 0) continue;
      const dead = decodeOffsetSet(before?.dead);
      const replayedMap = decodeReplayedMap(before?.replayed);
      let from = before?.from;
      for (const r of decided) {
        if (r.dead) dead.add(blockOffset(r.offset));
        if (from === undefined || r.offset < from) from = r.offset;
      }
      for (const r of replays) replayedMap.set(blockOffset(r.of.offset), r.of.seq);
      this.#put<RecordLogDoc>('rollups', -1, before, id, [...decided, ...replays], {
        ...(from === undefined ? {} : { from }),
        ...(dead.size > 0 ? { dead: encodeOffsetSet(dead) } : {}),
        ...(replayedMap.size > 0 ? { replayed: encodeReplayedMap(replayedMap) } : {}),
      });
    }
  }

  devices(id: string, entries: RollupEvent[]): void {
    const before = this.#get<DeviceStatsDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const slots =
      before === null ? new Map<number, DeviceDetails>() : decodeDeviceDetails(bytesOf(before.slots));
    for (const e of add) {
      const slot = e.id & ((1 << DEVICE_CHUNK_BITS) - 1);
      const d = slots.get(slot) ?? {
        ip: e.ip,
        events: 0,
        first: e.ts,
        last: e.ts,
        codes: new Map<number, number>(),
      };
      d.events++;
      d.first = Math.min(d.first, e.ts);
      d.last = Math.max(d.last, e.ts);
      d.codes.set(e.code, (d.codes.get(e.code) ?? 0) + 1);
      slots.set(slot, d);
    }
    this.#put<DeviceStatsDoc>('deviceStats', 0, before, id, add, {
      slots: binary(encodeDeviceDetails(slots)),
    });
  }

  totals(batch: RollupBatch): void {
    const before = this.#get<TotalsDoc>(TOTALS_ID);
    const events = fresh(before?.hw, batch.events);
    const deadLetters = fresh(before?.hw, batch.deadLetters);
    const replayed = fresh(before?.hw, batch.replayedDeadLetters ?? []);
    if (events.length === 0 && deadLetters.length === 0 && replayed.length === 0) return;
    let first = before?.firstTs?.getTime() ?? Infinity;
    let last = before?.lastTs?.getTime() ?? -Infinity;
    for (const e of events) {
      if (e.ts < first) first = e.ts;
      if (e.ts > last) last = e.ts;
    }
    const storedFirst = Math.min(before?.firstStoredAt?.getTime() ?? Infinity, batch.storedAt);
    this.#put<TotalsDoc>('rollups', 9, before, TOTALS_ID, [...events, ...deadLetters, ...replayed], {
      events: (before?.events ?? 0) + events.length,
      // Every device once, as the all-time head counts them (its chunks' devices).
      devices:
        batch.events.length > 0 ? (this.#get<HeadDoc>(ALL_TIME_ID)?.unique ?? 0) : (before?.devices ?? 0),
      deadLetters: (before?.deadLetters ?? 0) + deadLetters.length - replayed.length,
      firstTs: Number.isFinite(first) ? new Date(first) : null,
      lastTs: Number.isFinite(last) ? new Date(last) : null,
      firstStoredAt: events.length > 0 || before?.firstStoredAt ? new Date(storedFirst) : null,
    });
  }

  storedLog(events: RollupEvent[], storedAt: number): void {
    const id = storedLogId(storedAt);
    const before = this.#get<StoredLogDoc>(id);
    const add = fresh(before?.hw, events);
    if (add.length === 0) return;
    const ranges = new Map((before?.ranges ?? []).map((r) => [partitionKey(r.topic, r.partition), { ...r }]));
    const replays = [...(before?.replays ?? [])];
    for (const e of add) {
      if (e.replayOf !== undefined) {
        replays.push(e.replayOf);
        continue;
      }
      const key = partitionKey(e.topic, e.partition);
      const r = ranges.get(key);
      if (r === undefined)
        ranges.set(key, { topic: e.topic, partition: e.partition, from: e.offset, to: e.offset });
      else {
        r.from = Math.min(r.from, e.offset);
        r.to = Math.max(r.to, e.offset);
      }
    }
    this.#put<StoredLogDoc>('rollups', 9, before, id, add, {
      start: new Date(bucketStart('hour', storedAt)),
      ranges: [...ranges.values()].sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      ),
      ...(replays.length > 0 ? { replays } : {}),
    });
  }

  latestDeadLetters(deadLetters: RollupDeadLetter[], replayed: RollupDeadLetter[]): void {
    const before = this.#get<LatestDeadLettersDoc>(LATEST_DEAD_LETTERS_ID);
    const add = fresh(before?.hw, deadLetters);
    const remove = new Set(fresh(before?.hw, replayed).map((d) => d.docId));
    if (add.length === 0 && remove.size === 0) return;
    // Newest first: this batch's, latest offset first, ahead of those already listed.
    const added = [...add].sort((a, b) => (a.pk === b.pk ? b.offset - a.offset : a.pk < b.pk ? -1 : 1));
    const kept = (before?.ids ?? []).filter((id) => !remove.has(id));
    this.#put<LatestDeadLettersDoc>('rollups', 9, before, LATEST_DEAD_LETTERS_ID, [...add, ...replayed], {
      ids: [...added.map((d) => d.docId), ...kept].slice(0, LATEST_DEAD_LETTERS),
    });
  }
}
