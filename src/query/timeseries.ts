/**
 * Events and distinct addresses per minute or per hour, read from the rollups. Every bucket of the
 * range is in the answer, empty ones as zeros, so a chart needs no gap handling.
 *
 * Without `to`, the series ends at the latest hour holding data, or at the current bucket when that
 * is earlier (a live stream); without `from`, it covers the 60 minutes or 48 hours before `to`.
 * Buckets are aligned: `from` is rounded down and `to` up to whole buckets.
 */
import type { Db } from 'mongodb';
import { ValidationError } from '../errors/errors.ts';
import { formatIsoMs } from '../events/timestamp.ts';
import { COLLECTIONS, type BucketDoc } from '../store/schema.ts';
import {
  BUCKET_MS,
  type BucketPart,
  type BucketSize,
  emptySketch,
  findBuckets,
  mergeInto,
} from './buckets.ts';
import { HOUR_MS, MINUTE_MS, type TimeRange, ceilTo, floorTo } from './range.ts';

/** A day of minutes, two months of hours: enough for a chart, bounded in work. */
export const MAX_BUCKETS = 1440;

const DEFAULT_SPAN_MS: Record<BucketSize, number> = { minute: 60 * MINUTE_MS, hour: 48 * HOUR_MS };

export interface TimeseriesBucket {
  start: string;
  events: number;
  uniqueIps: number;
}

export interface Timeseries {
  bucket: BucketSize;
  from: string;
  to: string;
  buckets: TimeseriesBucket[];
}

async function latestHourEnd(db: Db): Promise<number | null> {
  // The hour collection is small (one document per hour and partition), so this stays cheap even
  // where the sort is not served by the index.
  const [latest] = await db
    .collection<BucketDoc>(COLLECTIONS.hours)
    .find({}, { projection: { start: 1 } })
    .sort({ start: -1 })
    .limit(1)
    .toArray();
  return latest === undefined ? null : latest.start.getTime() + HOUR_MS;
}

function checkBucketCount(from: number, to: number, size: BucketSize): void {
  const count = (to - from) / BUCKET_MS[size];
  if (count > MAX_BUCKETS) {
    throw new ValidationError(
      'RANGE_TOO_WIDE',
      `a series holds at most ${MAX_BUCKETS} buckets and this range has ${count} ${size}s` +
        (size === 'minute' ? '; use bucket=hour or a narrower range' : '; narrow the range'),
    );
  }
}

/** Refuses a closed range with too many buckets, without a database (open ones are checked later). */
export function checkSeriesRange(range: TimeRange, size: BucketSize): void {
  const unit = BUCKET_MS[size];
  if (range.from !== null && range.to !== null)
    checkBucketCount(floorTo(range.from, unit), ceilTo(range.to, unit), size);
}

/** The aligned range the series covers, defaults filled in. */
export async function seriesRange(db: Db, range: TimeRange, size: BucketSize, now: number) {
  const unit = BUCKET_MS[size];
  let to = range.to;
  if (to === null) {
    const current = floorTo(now, unit) + unit;
    const latest = await latestHourEnd(db);
    to = latest === null ? current : Math.min(current, latest);
    if (range.from !== null && to <= range.from) to = range.from + unit;
  }
  const from = floorTo(range.from ?? to - DEFAULT_SPAN_MS[size], unit);
  to = ceilTo(to, unit);
  checkBucketCount(from, to, size);
  return { from, to };
}

export async function timeseries(
  db: Db,
  range: TimeRange,
  size: BucketSize,
  now = Date.now(),
): Promise<Timeseries> {
  const unit = BUCKET_MS[size];
  const { from, to } = await seriesRange(db, range, size, now);
  const parts = await findBuckets(db, size, [{ from, to }]);
  const byStart = new Map<number, BucketPart[]>();
  for (const part of parts) {
    const list = byStart.get(part.start);
    if (list === undefined) byStart.set(part.start, [part]);
    else list.push(part);
  }
  const buckets: TimeseriesBucket[] = [];
  for (let start = from; start < to; start += unit) {
    const list = byStart.get(start) ?? [];
    let events = 0;
    for (const p of list) events += p.events;
    buckets.push({
      start: formatIsoMs(start),
      events,
      uniqueIps: list.length === 0 ? 0 : Math.round(mergeInto(emptySketch(), list).estimate()),
    });
  }
  return { bucket: size, from: formatIsoMs(from), to: formatIsoMs(to), buckets };
}
