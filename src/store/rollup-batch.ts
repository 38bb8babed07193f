/**
 * What a batch's rollups count (events with their devices' ids, dead letters, the record log's
 * decisions), which documents they touch, and the marks that make a write apply each record once:
 * every rollup document carries, per topic-partition, the highest offset already applied to it
 * (`hw`), and a plan applies to each document only the batch's records above its own mark.
 */
import { Binary } from 'mongodb';
import { type DeviceEvent, partitionKey } from '../events/index.ts';
import { decodeMinuteEvents, type MinuteEvents } from '../sketch/index.ts';
import { type RecordDecision, recordLogId, type ReplayedRecord } from './decisions.ts';
import type { DeviceId } from './registry.ts';
import {
  ALL_TIME_ID,
  DEVICE_CHUNK_BITS,
  LATEST_DEAD_LETTERS_ID,
  storedLogId,
  SUMMARY_LEVELS,
  TOTALS_ID,
  BucketCache,
  countsId,
  deviceChunkId,
  errorsId,
  idChunk,
  hllId,
  setId,
} from './levels.ts';
import { type Guarded, type MinuteDoc } from './schema.ts';

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
  /** Buckets layout: the runs of the buckets that decided the batch's records, for the record log. */
  bucketRuns?: { pk: string; from: number; to: number }[];
  /** When the batch is stored (the writer's clock, epoch ms): the hour of its stored log. */
  storedAt: number;
}

export type RollupCollection = 'rollups' | 'deviceStats';

export interface DocRef {
  collection: RollupCollection;
  id: string;
}

/** What a plan covers. */
export interface PlanScope {
  /**
   * Whether the batch's device_stats documents are planned with the rest (the default). EventStore
   * plans them apart, a slice of documents at a time (deviceStatsEntries), after the rest.
   */
  deviceStats?: boolean;
}

/** The documents a batch's rollups read and may write. */
export function touchedDocs(
  batch: RollupBatch,
  buckets = new BucketCache(),
  scope: PlanScope = {},
): DocRef[] {
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
      rollups.add(ids[level]).add(setId(ids[level])).add(hllId(ids[level])).add(errorsId(ids[level]));
      for (const chunk of chunks) rollups.add(countsId(ids[level], chunk));
    }
    for (const chunk of chunks) rollups.add(countsId(ALL_TIME_ID, chunk));
  }
  if (scope.deviceStats !== false)
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

export interface Offset {
  pk: string;
  offset: number;
}

export function onePerOffset<E extends Offset>(entries: readonly E[]): E[] {
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
export function fresh<E extends Offset>(
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

export function advanced(
  hw: Record<string, number> | undefined,
  entries: readonly Offset[],
): Record<string, number> {
  const next = { ...hw };
  for (const [pk, s] of spanOf(entries)) if (s.max > (next[pk] ?? -1)) next[pk] = s.max;
  return next;
}

/** A stored minute's events, with their codes when the minute keeps them. */
export function minuteOf(doc: MinuteDoc): MinuteEvents {
  return decodeMinuteEvents(bytesOf(doc.detail), doc.codes === undefined ? undefined : bytesOf(doc.codes));
}

export function binary(bytes: Uint8Array): Binary {
  return new Binary(bytes);
}

export function bytesOf(b: Binary): Uint8Array {
  return b.buffer;
}

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

/** Events (each offset once: onePerOffset) by the device_stats document that counts them. */
export function deviceStatsEntries(events: readonly RollupEvent[]): Map<string, RollupEvent[]> {
  return groupBy(events, (e) => deviceChunkId(e.id));
}

export function byChunk(entries: readonly RollupEvent[]): Map<number, RollupEvent[]> {
  return groupBy(entries, (e) => idChunk(e.id));
}
