/**
 * The addresses with the most events: over all time from the `devices` rollup (its `events_desc`
 * index), over a range by grouping the events in it, which is as costly as an exact unique count
 * and so limited to the same 31 days.
 */
import type { Db } from 'mongodb';
import { COLLECTIONS, type DeviceDoc, type EventDoc } from '../store/schema.ts';
import { type TimeRange, isAllTime, requireSpanAtMost, timeFilter } from './range.ts';
import { MAX_EXACT_SPAN_MS } from './unique-ips.ts';
import { QUERY_TIME_LIMIT_MS, withTimeLimit } from './time-limit.ts';

export const DEFAULT_TOP_LIMIT = 10;

export interface TopIp {
  ip: string;
  events: number;
}

/** Refuses what topIps would refuse, without a database. */
export function checkTopIpsRange(range: TimeRange, now = Date.now()): void {
  if (!isAllTime(range)) {
    requireSpanAtMost(
      range,
      MAX_EXACT_SPAN_MS,
      'narrow the range, or leave out from and to for all time',
      now,
    );
  }
}

/** Most events first; equal counts in address order, so the answer is stable. */
export async function topIps(db: Db, range: TimeRange, limit: number, now = Date.now()): Promise<TopIp[]> {
  checkTopIpsRange(range, now);
  if (isAllTime(range)) {
    const devices = await withTimeLimit('top IPs', 'try again later', () =>
      db
        .collection<DeviceDoc>(COLLECTIONS.devices)
        .find({}, { projection: { events: 1 }, maxTimeMS: QUERY_TIME_LIMIT_MS })
        .sort({ events: -1, _id: 1 })
        .limit(limit)
        .toArray(),
    );
    return devices.map((d) => ({ ip: d._id, events: d.events }));
  }
  const groups = await withTimeLimit('top IPs over the range', 'narrow the range', () =>
    db
      .collection<EventDoc>(COLLECTIONS.events)
      .aggregate<{ _id: string; events: number }>(
        [
          { $match: timeFilter('ts', range) },
          { $group: { _id: '$ip', events: { $sum: 1 } } },
          { $sort: { events: -1, _id: 1 } },
          { $limit: limit },
        ],
        { maxTimeMS: QUERY_TIME_LIMIT_MS },
      )
      .toArray(),
  );
  return groups.map((g) => ({ ip: g._id, events: g.events }));
}
