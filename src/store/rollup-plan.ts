import { partitionKey, type DeviceEvent } from '../events/event.ts';

// Pure planning of the rollup writes for one batch. Every rollup document carries, per
// topic-partition, the highest offset already applied to it ("hw"). A write applies exactly the
// batch's events with offsets above the hw it read, and is conditioned on that hw being unchanged,
// so a replayed, re-batched or concurrently delivered record is applied once and only once.

export interface OffsetEntry {
  offset: number;
}

/** Entries with offset > hw, in offset order, each offset once. */
export function freshEntries<E extends OffsetEntry>(entries: E[], hw: number): E[] {
  const fresh = entries.filter((e) => e.offset > hw).sort((a, b) => a.offset - b.offset);
  return fresh.filter((e, i) => i === 0 || e.offset !== fresh[i - 1]!.offset);
}

export interface DeviceEntry extends OffsetEntry {
  ts: number;
  code: number;
}

export interface DeviceDelta {
  events: number;
  firstSeen: number;
  lastSeen: number;
  codes: Record<string, number>;
  maxOffset: number;
}

/** ip -> partition key -> entries. */
export function groupByDevice(events: DeviceEvent[]): Map<string, Map<string, DeviceEntry[]>> {
  const byIp = new Map<string, Map<string, DeviceEntry[]>>();
  for (const e of events) {
    let byPk = byIp.get(e.ip);
    if (byPk === undefined) byIp.set(e.ip, (byPk = new Map()));
    const pk = partitionKey(e.topic, e.partition);
    let entries = byPk.get(pk);
    if (entries === undefined) byPk.set(pk, (entries = []));
    entries.push({ offset: e.offset, ts: e.ts, code: e.errorCode });
  }
  return byIp;
}

export function deviceDelta(entries: DeviceEntry[], hw: number): DeviceDelta | null {
  const fresh = freshEntries(entries, hw);
  if (fresh.length === 0) return null;
  const delta: DeviceDelta = {
    events: 0,
    firstSeen: Infinity,
    lastSeen: -Infinity,
    codes: {},
    maxOffset: hw,
  };
  for (const e of fresh) {
    delta.events++;
    if (e.ts < delta.firstSeen) delta.firstSeen = e.ts;
    if (e.ts > delta.lastSeen) delta.lastSeen = e.ts;
    delta.codes[e.code] = (delta.codes[e.code] ?? 0) + 1;
    delta.maxOffset = e.offset;
  }
  return delta;
}

export interface BucketEntry extends OffsetEntry {
  ip: string;
}

export interface BucketGroup {
  start: number;
  pk: string;
  entries: BucketEntry[];
}

/** Bucket documents are per (bucket start, partition): one writer each, except during rebalances. */
export function bucketId(start: number, pk: string): string {
  return `${start}|${pk}`;
}

export function groupByBucket(events: DeviceEvent[], bucketMs: number): Map<string, BucketGroup> {
  const groups = new Map<string, BucketGroup>();
  for (const e of events) {
    const start = Math.floor(e.ts / bucketMs) * bucketMs;
    const pk = partitionKey(e.topic, e.partition);
    const id = bucketId(start, pk);
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { start, pk, entries: [] }));
    group.entries.push({ offset: e.offset, ip: e.ip });
  }
  return groups;
}
