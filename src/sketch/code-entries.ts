/**
 * A bucket's error codes: per code, its events, the exact set of devices that raised it (a
 * portable Roaring bitmap), and, where the bucket keeps one, the series of its children (events
 * and distinct devices of the code per minute of an hour, per hour of a day). Stored as varints,
 * codes ascending.
 */
import { ByteReader, ByteWriter } from './varint.ts';

export interface CodeEntry {
  code: number;
  events: number;
  /** Portable Roaring bitmap of the device ids. */
  devices: Uint8Array;
  /** How many devices the bitmap holds. */
  unique: number;
  /** Per child bucket: events and distinct devices of this code (absent where not kept). */
  series?: { events: number[]; unique: number[] };
}

export function encodeCodeEntries(entries: Iterable<CodeEntry>): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.code - b.code);
  const w = new ByteWriter(64).uint(sorted.length);
  for (const e of sorted) {
    w.int(e.code).uint(e.events).uint(e.unique).bytes(e.devices);
    if (e.series === undefined) {
      w.uint(0);
      continue;
    }
    w.uint(e.series.events.length);
    for (const n of e.series.events) w.uint(n);
    for (const n of e.series.unique) w.uint(n);
  }
  return w.finish();
}

/** The entries by code. */
export function decodeCodeEntries(bytes: Uint8Array): Map<number, CodeEntry> {
  const r = new ByteReader(bytes);
  const entries = new Map<number, CodeEntry>();
  for (let n = r.uint(); n > 0; n--) {
    const code = r.int();
    const events = r.uint();
    const unique = r.uint();
    const devices = r.bytes();
    const children = r.uint();
    const entry: CodeEntry = { code, events, devices, unique };
    if (children > 0) {
      const eventsSeries = Array.from({ length: children }, () => r.uint());
      const uniqueSeries = Array.from({ length: children }, () => r.uint());
      entry.series = { events: eventsSeries, unique: uniqueSeries };
    }
    entries.set(code, entry);
  }
  return entries;
}
