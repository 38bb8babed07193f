/**
 * Events and distinct addresses per minute or per hour, exact, read from the series that each
 * hour (per minute) and each day (per hour) keeps: a day by minute reads 24 or 25 documents. Every
 * bucket of the range is in the answer, empty ones as zeros, so a chart needs no gap handling.
 *
 * Without `to`, the series ends at the latest event stored, or at the current bucket when that is
 * earlier (a live stream); without `from`, it covers the 60 minutes or 48 hours before `to`.
 * Buckets are aligned: `from` is rounded down and `to` up to whole buckets.
 */
import type { Db } from 'mongodb';
import { ValidationError } from '../errors/index.ts';
import { formatIsoMs } from '../events/index.ts';
import {
  bucketEnd,
  bucketId,
  bucketStart,
  childIndex,
  codePage,
  type ErrorsDoc,
  errorsId,
  errorsPageId,
  type HeadDoc,
  HOUR_MS,
  MINUTE_MS,
} from '../store/index.ts';
import { decodeCodeEntries, decodeSeries, type Series } from '../sketch/index.ts';
import { type TimeRange, ceilTo, floorTo } from './range.ts';
import { QueryReader } from './reader.ts';

export type BucketSize = 'minute' | 'hour';

const BUCKET_MS: Record<BucketSize, number> = { minute: MINUTE_MS, hour: HOUR_MS };

/** A day of minutes, two months of hours: enough for a chart, bounded in work. */
export const MAX_BUCKETS = 1440;

const DEFAULT_SPAN_MS: Record<BucketSize, number> = { minute: 60 * MINUTE_MS, hour: 48 * HOUR_MS };

/** The level whose heads hold the series of each bucket size. */
const PARENT = { minute: 'hour', hour: 'day' } as const;

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

/**
 * `errorCode`: only the events of that code, and the devices that raised it, from the error codes
 * each hour (per minute) and each day (per hour) keeps.
 */
export async function timeseries(
  db: Db,
  range: TimeRange,
  size: BucketSize,
  now = Date.now(),
  errorCode?: number,
): Promise<Timeseries> {
  const reader = await QueryReader.open(db);
  const unit = BUCKET_MS[size];
  let to = range.to;
  if (to === null) {
    const current = floorTo(now, unit) + unit;
    const latest = (await reader.totals())?.lastTs?.getTime();
    to = latest === undefined ? current : Math.min(current, floorTo(latest, unit) + unit);
    if (range.from !== null && to <= range.from) to = range.from + unit;
  }
  const from = floorTo(range.from ?? to - DEFAULT_SPAN_MS[size], unit);
  to = ceilTo(to, unit);
  checkBucketCount(from, to, size);

  const parent = PARENT[size];
  const heads: number[] = [];
  for (let start = bucketStart(parent, from); start < to; start = bucketEnd(parent, start)) heads.push(start);
  const series = new Map<string, Series>();
  if (errorCode === undefined) {
    const docs = await reader.rollups<HeadDoc>(
      heads.map((start) => bucketId(parent, start)),
      'the series',
    );
    for (const [id, doc] of docs) if (doc?.series) series.set(id, decodeSeries(doc.series.buffer));
  } else {
    const docs = await reader.rollups<ErrorsDoc>(
      heads.map((start) => errorsId(bucketId(parent, start))),
      'the series of an error code',
    );
    // A bucket with more codes than one document holds keeps them in pages: read the code's.
    const paged = heads.filter((start) => docs.get(errorsId(bucketId(parent, start)))?.pages !== undefined);
    const pages = await reader.rollups<ErrorsDoc>(
      paged.map((start) => errorsPageId(bucketId(parent, start), codePage(errorCode))),
      'the series of an error code',
    );
    for (const start of heads) {
      const headId = bucketId(parent, start);
      const doc = docs.get(errorsId(headId)) ?? null;
      const holder =
        doc?.pages === undefined ? doc : (pages.get(errorsPageId(headId, codePage(errorCode))) ?? null);
      const children =
        holder === null ? undefined : decodeCodeEntries(holder.codes.buffer).get(errorCode)?.series;
      if (children !== undefined) series.set(headId, children);
    }
  }
  const buckets: TimeseriesBucket[] = [];
  for (let start = from; start < to; start += unit) {
    const headStart = bucketStart(parent, start);
    const children = series.get(bucketId(parent, headStart));
    const i = childIndex(parent, headStart, start);
    buckets.push({
      start: formatIsoMs(start),
      events: children?.events[i] ?? 0,
      uniqueIps: children?.unique[i] ?? 0,
    });
  }
  return { bucket: size, from: formatIsoMs(from), to: formatIsoMs(to), buckets };
}
