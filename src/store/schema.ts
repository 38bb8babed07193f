/**
 * The storage layout. Every document is read and written by _id alone, so each operation costs
 * the same whatever the collections hold, on MongoDB and on FerretDB (which pushes nothing else
 * down to SQLite). docs/store.md explains the layout and why it is exact.
 */
import type { Binary, Db } from 'mongodb';
import { SERVER_CODES, serverCode } from './server-codes.ts';

export const COLLECTIONS = {
  /** One document per accepted record, `_id` = `topic/partition/offset`. */
  events: 'events',
  /** One per rejected record, same ids. */
  deadLetters: 'dead_letters',
  /** Device registry: canonical address -> dense numeric id. */
  devices: 'devices',
  /** Device details, 256 ids per document. */
  deviceStats: 'device_stats',
  /** Time buckets, all-time counts, totals, the latest dead letters. */
  rollups: 'rollups',
  /** Id allocation and the FerretDB rollup lease. */
  meta: 'meta',
} as const;

/** Collections of the first layout (before the read model): no longer written or read. */
const RETIRED_COLLECTIONS = ['stats_minute', 'stats_hour', 'leases'] as const;

/** One accepted record. */
export interface EventDoc {
  _id: string;
  ts: Date;
  ip: string;
  errorCode: number;
  topic: string;
  partition: number;
  offset: number;
  extra?: Record<string, unknown>;
  ingestedAt: Date;
}

export interface DeadLetterDoc {
  _id: string;
  reason: string;
  message: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** The record value as text (cut to a bound at ingest; valueBytes is the original size). */
  value: string;
  valueBytes: number;
  /** When it was stored. */
  at: Date;
}

/** A device and its dense id; `by` is the event that registered it (which counts it once). */
export interface DeviceDoc {
  _id: string;
  n: number;
  by: string;
}

/**
 * Every rollup document is replay-safe the same way: `hw` holds, per topic-partition, the highest
 * offset already applied to it, and a write applies only the records above it. `v` counts writes;
 * on MongoDB each write is conditioned on the `v` it read (compare-and-set).
 */
export interface Guarded {
  _id: string;
  v: number;
  hw: Record<string, number>;
}

/** Details of the devices whose ids share all but the low 8 bits (device-details.ts). */
export interface DeviceStatsDoc extends Guarded {
  slots: Binary;
}

/** A minute: its events as (millisecond, device id) pairs, for exact sub-minute edges. */
export interface MinuteDoc extends Guarded {
  start: Date;
  events: number;
  unique: number;
  detail: Binary;
  /** The events' error codes, in the detail's order (absent in minutes stored before codes were kept). */
  codes?: Binary;
  /**
   * A busy minute: further events are in a document per second (levels.ts minuteSecondId), and
   * the minute keeps its devices (a bitmap) and its codes' figures (code-entries.ts) for all of them.
   */
  seconds?: true;
  devices?: Binary;
  codeStats?: Binary;
}

/**
 * A summary bucket's error codes: per code its events, its devices (exact), and in hours and days
 * the series of the code over the children (code-entries.ts).
 */
export interface ErrorsDoc extends Guarded {
  codes: Binary;
  /**
   * Set once the bucket's codes outgrew this document: they are in that many pages since
   * (levels.ts errorsPageId), and `codes` is empty.
   */
  pages?: number;
}

/**
 * A summary bucket (ten minutes, hour, six hours, day or month) or all time (`all`): totals,
 * series and top lists.
 */
export interface HeadDoc extends Guarded {
  level: 'tenMinutes' | 'hour' | 'sixHours' | 'day' | 'month' | 'all';
  start: Date | null;
  events: number;
  unique: number;
  /**
   * Events and distinct devices of each child bucket (minutes of an hour, hours of a day...):
   * sketch/series.ts. Null for all time.
   */
  series: Binary | null;
  /**
   * Per id chunk, the ids with the most events and a bound for the rest: count-vector.ts
   * encodeChunkTops. Binaries, not arrays, because FerretDB reads them twice as fast.
   */
  tops: Binary;
  /**
   * All time only: per id chunk, how many devices its per-device counts hold (index = chunk). The
   * head's `unique` is their sum, recomputed from the chunks a batch touches, so it follows the
   * counts whatever a crash left written.
   */
  chunkDevices?: number[];
}

/** HyperLogLog precision of the buckets' sketches (HllDoc): 4 KiB, 1.6% standard error. */
export const HLL_PRECISION = 12;

/** A summary bucket's HyperLogLog (p = HLL_PRECISION) of its device ids (as decimal strings), and its events. */
export interface HllDoc extends Guarded {
  events: number;
  hll: Binary;
}

/**
 * The distinct device ids of a bucket, as a portable Roaring bitmap, and its events: all an exact
 * count over a range reads of each whole bucket.
 */
export interface SetDoc extends Guarded {
  bitmap: Binary;
  size: number;
  events: number;
}

/** Exact per-device event counts of one id chunk of a bucket (or of all time). */
export interface CountsDoc extends Guarded {
  counts: Binary;
}

export interface TotalsDoc extends Guarded {
  /** Events ever stored (retention deletes event documents, not what they added up to). */
  events: number;
  devices: number;
  deadLetters: number;
  /** Earliest and latest event time stored, for open-ended ranges. */
  firstTs: Date | null;
  lastTs: Date | null;
  /** When the first event was stored: where retention starts looking. */
  firstStoredAt: Date | null;
}

/** The offsets of the events stored in one hour, per topic-partition (levels.ts storedLogId). */
export interface StoredLogDoc extends Guarded {
  start: Date;
  ranges: { topic: string; partition: number; from: number; to: number }[];
  /** Events a dead-letter replay stored in this hour, by id (their offsets are not in the ranges). */
  replays?: string[];
}

export interface LatestDeadLettersDoc extends Guarded {
  /** Ids of the latest dead letters, newest first. */
  ids: string[];
}

export type RollupDoc =
  MinuteDoc | HeadDoc | HllDoc | SetDoc | CountsDoc | ErrorsDoc | TotalsDoc | LatestDeadLettersDoc;

/**
 * Creates the collections the writers use; a no-op when they exist. No secondary index: nothing
 * reads by anything but _id.
 *
 * Run once per process before any writer starts, one statement at a time, and only for what is
 * missing: FerretDB 1.24 (SQLite) can deadlock when collection creation runs while other
 * connections are writing.
 */
export async function ensureSchema(db: Db): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of Object.values(COLLECTIONS)) {
    if (existing.has(name)) continue;
    try {
      await db.createCollection(name);
    } catch (error) {
      // Another process created it first (NamespaceExists).
      if (serverCode(error) !== SERVER_CODES.NamespaceExists) throw error;
    }
  }
}

/** Collections of the first layout that this database still holds (their data is not used). */
export async function retiredCollections(db: Db): Promise<string[]> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  return names.filter((n) => (RETIRED_COLLECTIONS as readonly string[]).includes(n));
}
