/**
 * How many distinct device addresses sent events, over all time or a time range.
 *
 * - All time: the size of `devices` (one document per canonical address), from collection
 *   metadata on MongoDB (constant time; FerretDB counts the table, see totals.ts).
 * - A range, exact: every event in the range is read and grouped by address. Its cost grows with
 *   the events in the range (on FerretDB, with all stored events: it filters without the index),
 *   so ranges are limited to 31 days.
 * - A range, approx: the HyperLogLog sketches of the hours fully inside the range, plus those of
 *   the minutes in the partial hours at its edges, merged. Cost grows with the number of buckets,
 *   not events. Minute buckets are the finest grain: the range counted is the requested one widened
 *   outward to whole minutes (`coveredFrom`/`coveredTo` in the answer).
 */
import type { Db } from 'mongodb';
import { COLLECTIONS, type EventDoc } from '../store/schema.ts';
import { emptySketch, findBuckets, mergeInto, sumEvents } from './buckets.ts';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  type TimeRange,
  ceilTo,
  floorTo,
  isAllTime,
  isoOrNull,
  requireSpanAtMost,
  timeFilter,
} from './range.ts';
import { QUERY_TIME_LIMIT_MS, withTimeLimit } from './time-limit.ts';
import { totals } from './totals.ts';

export type CountMode = 'exact' | 'approx';

export const MAX_EXACT_SPAN_MS = 31 * DAY_MS;

export interface UniqueIpsQuery extends TimeRange {
  mode: CountMode;
}

export interface UniqueIpsAnswer {
  uniqueIps: number;
  events: number;
  from: string | null;
  to: string | null;
  mode: CountMode;
  /** Standard error of an approx answer, as a fraction (0.0081 is ±0.81%). */
  relativeError?: number;
  /** The minute-aligned range an approx answer actually counted. */
  coveredFrom?: string | null;
  coveredTo?: string | null;
}

/** Refuses what uniqueIps would refuse, without a database (callers check before they need one). */
export function checkUniqueIpsQuery(query: UniqueIpsQuery, now = Date.now()): void {
  if (query.mode === 'exact' && !isAllTime(query)) {
    requireSpanAtMost(query, MAX_EXACT_SPAN_MS, 'use mode=approx for wider ranges', now);
  }
}

export async function uniqueIps(db: Db, query: UniqueIpsQuery, now = Date.now()): Promise<UniqueIpsAnswer> {
  checkUniqueIpsQuery(query, now);
  const range = { from: query.from, to: query.to };
  const answer = { from: isoOrNull(range.from), to: isoOrNull(range.to) };
  if (isAllTime(range)) {
    const all = await totals(db);
    // Exact and cheaper than any sketch, so an approx request over all time gets it too.
    return { ...answer, uniqueIps: all.devices, events: all.events, mode: 'exact' };
  }
  if (query.mode === 'approx') return { ...answer, ...(await approxInRange(db, range)), mode: 'approx' };
  return { ...answer, ...(await exactInRange(db, range)), mode: 'exact' };
}

async function exactInRange(db: Db, range: TimeRange): Promise<{ uniqueIps: number; events: number }> {
  const events = db.collection<EventDoc>(COLLECTIONS.events);
  const match = timeFilter('ts', range);
  const options = { maxTimeMS: QUERY_TIME_LIMIT_MS };
  const [distinct, count] = await withTimeLimit(
    'the exact count',
    'narrow the range or use mode=approx',
    () =>
      Promise.all([
        // $group + $count streams the groups instead of building one array document as $addToSet would
        // (which breaks the 16 MiB document limit past a few hundred thousand addresses).
        events
          .aggregate<{ n: number }>([{ $match: match }, { $group: { _id: '$ip' } }, { $count: 'n' }], options)
          .toArray(),
        events.countDocuments(match, options),
      ]),
  );
  return { uniqueIps: distinct[0]?.n ?? 0, events: count };
}

/** The buckets that tile `range` widened to whole minutes: full hours inside, minutes at the edges. */
export function approxPlan(range: TimeRange): {
  hours: TimeRange[];
  minutes: TimeRange[];
  covered: TimeRange;
} {
  const covered = {
    from: range.from === null ? null : floorTo(range.from, MINUTE_MS),
    to: range.to === null ? null : ceilTo(range.to, MINUTE_MS),
  };
  const hourFrom = covered.from === null ? null : ceilTo(covered.from, HOUR_MS);
  const hourTo = covered.to === null ? null : floorTo(covered.to, HOUR_MS);
  if (hourFrom !== null && hourTo !== null && hourFrom >= hourTo) {
    return { hours: [], minutes: [covered], covered };
  }
  const minutes: TimeRange[] = [];
  if (covered.from !== null && hourFrom !== null && covered.from < hourFrom) {
    minutes.push({ from: covered.from, to: hourFrom });
  }
  if (covered.to !== null && hourTo !== null && hourTo < covered.to) {
    minutes.push({ from: hourTo, to: covered.to });
  }
  return { hours: [{ from: hourFrom, to: hourTo }], minutes, covered };
}

async function approxInRange(db: Db, range: TimeRange) {
  const plan = approxPlan(range);
  const [hours, minutes] = await Promise.all([
    findBuckets(db, 'hour', plan.hours),
    findBuckets(db, 'minute', plan.minutes),
  ]);
  const sketch = mergeInto(mergeInto(emptySketch(), hours), minutes);
  return {
    uniqueIps: Math.round(sketch.estimate()),
    events: sumEvents(hours) + sumEvents(minutes),
    relativeError: sketch.relativeError,
    coveredFrom: isoOrNull(plan.covered.from),
    coveredTo: isoOrNull(plan.covered.to),
  };
}
