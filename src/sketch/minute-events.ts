/**
 * Every event of one minute as (millisecond within the minute, device id), ordered by time: what
 * makes range answers exact at sub-minute edges without reading events. Stored as varints (the
 * count, then millisecond deltas, then ids): two to four bytes per event.
 */
import { type CountVector, countIds } from './count-vector.ts';
import { decodeColumns, encodeColumns } from './varint.ts';

const MINUTE_MS = 60_000;

export interface MinuteEvents {
  /** Milliseconds since the minute began (0..59999), ascending. */
  readonly ms: Uint16Array;
  /** The device id of each event. */
  readonly ids: Uint32Array;
}

export const NO_EVENTS: MinuteEvents = { ms: new Uint16Array(0), ids: new Uint32Array(0) };

// An event as one number, ms · 2^32 + id (at most 2^48, exact in a double): sorting the numbers
// orders events by time, then id, without a comparator.
const ID_SPAN = 2 ** 32;

function fromKeys(keys: Float64Array): MinuteEvents {
  keys.sort();
  const ms = new Uint16Array(keys.length);
  const ids = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    ms[i] = Math.floor(k / ID_SPAN);
    ids[i] = k % ID_SPAN;
  }
  return { ms, ids };
}

/** The events in time order (equal times by id, so the order is a function of the content). */
export function minuteEvents(pairs: readonly { ms: number; id: number }[]): MinuteEvents {
  return fromKeys(Float64Array.from(pairs, (p) => p.ms * ID_SPAN + p.id));
}

export function mergeMinuteEvents(a: MinuteEvents, b: MinuteEvents): MinuteEvents {
  if (b.ms.length === 0) return a;
  if (a.ms.length === 0) return b;
  const keys = new Float64Array(a.ms.length + b.ms.length);
  let n = 0;
  for (const e of [a, b]) for (let i = 0; i < e.ms.length; i++) keys[n++] = e.ms[i]! * ID_SPAN + e.ids[i]!;
  return fromKeys(keys);
}

/** Per-device counts of the events with ms in [fromMs, toMs) (the whole minute by default). */
export function countsBetween(events: MinuteEvents, fromMs = 0, toMs = MINUTE_MS): CountVector {
  let lo = 0;
  while (lo < events.ms.length && events.ms[lo]! < fromMs) lo++;
  let hi = lo;
  while (hi < events.ms.length && events.ms[hi]! < toMs) hi++;
  return countIds(events.ids.subarray(lo, hi));
}

export function encodeMinuteEvents(events: MinuteEvents): Uint8Array {
  return encodeColumns(events.ms, events.ids, 4);
}

export function decodeMinuteEvents(bytes: Uint8Array): MinuteEvents {
  const [ms, ids] = decodeColumns(bytes, Uint16Array, Uint32Array);
  return { ms, ids };
}
