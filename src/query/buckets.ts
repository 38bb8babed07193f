/**
 * Reading the per-minute and per-hour rollups. A bucket document covers one (start, topic-partition)
 * pair, so one time bucket is spread over as many documents as partitions had events in it; its
 * events add up and its HyperLogLog sketches merge (register-wise maximum) into the bucket's union.
 */
import type { Binary, Db, Filter } from 'mongodb';
import { IpstreamError, ValidationError } from '../errors/errors.ts';
import { HyperLogLog } from '../sketch/hll.ts';
import { HLL_PRECISION } from '../store/event-store.ts';
import { type BucketDoc, COLLECTIONS } from '../store/schema.ts';
import { HOUR_MS, MINUTE_MS, type TimeRange, timeFilter } from './range.ts';

export type BucketSize = 'minute' | 'hour';

export const BUCKET_MS: Record<BucketSize, number> = { minute: MINUTE_MS, hour: HOUR_MS };

const COLLECTION: Record<BucketSize, string> = { minute: COLLECTIONS.minutes, hour: COLLECTIONS.hours };

export interface BucketPart {
  start: number;
  events: number;
  hll: Binary;
}

/** Bucket documents whose start lies in any of `ranges` (one query; no ranges, no query). */
export async function findBuckets(db: Db, size: BucketSize, ranges: TimeRange[]): Promise<BucketPart[]> {
  if (ranges.length === 0) return [];
  const conditions = ranges.map((r) => timeFilter('start', r));
  const filter = (conditions.length === 1 ? conditions[0] : { $or: conditions }) as Filter<BucketDoc>;
  const docs = await db
    .collection<BucketDoc>(COLLECTION[size])
    .find(filter, { projection: { start: 1, events: 1, hll: 1 } })
    .toArray();
  return docs.map((d) => ({ start: d.start.getTime(), events: d.events, hll: d.hll }));
}

/** An empty sketch of the precision the store writes. */
export function emptySketch(): HyperLogLog {
  return new HyperLogLog(HLL_PRECISION);
}

/** Merges the parts' sketches into `into`. */
export function mergeInto(into: HyperLogLog, parts: readonly BucketPart[]): HyperLogLog {
  for (const part of parts) {
    try {
      into.merge(HyperLogLog.fromBytes(part.hll.buffer as Uint8Array, into.p));
    } catch (error) {
      // A stored sketch that does not decode is a fault of the store, not of the request: it must
      // not come back as a 400.
      if (error instanceof ValidationError) {
        throw new IpstreamError('STORE_CORRUPT', `bucket at ${part.start}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
  return into;
}

export function sumEvents(parts: readonly BucketPart[]): number {
  let n = 0;
  for (const p of parts) n += p.events;
  return n;
}
