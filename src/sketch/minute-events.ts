/**
 * Every event of one minute as (millisecond within the minute, device id, error code), ordered by
 * time, then id, then code: what makes range answers exact at sub-minute edges without reading
 * events. Stored as varints (the count, then millisecond deltas, then ids; the codes in a column of
 * their own): three to six bytes per event.
 */
import { type CountVector, countIds } from './count-vector.ts';
import { ByteReader, ByteWriter, decodeColumns, encodeColumns } from './varint.ts';

const MINUTE_MS = 60_000;

export interface MinuteEvents {
  /** Milliseconds since the minute began (0..59999), ascending. */
  readonly ms: Uint16Array;
  /** The device id of each event. */
  readonly ids: Uint32Array;
  /**
   * The error code of each event, or null for a minute stored before minutes kept codes (its codes
   * are unknown).
   */
  readonly codes: Float64Array | null;
}

export const NO_EVENTS: MinuteEvents = {
  ms: new Uint16Array(0),
  ids: new Uint32Array(0),
  codes: new Float64Array(0),
};

export interface MinuteEvent {
  ms: number;
  id: number;
  code: number;
}

// An event's time and device as one number, ms · 2^32 + id (at most 2^48, exact in a double).
const ID_SPAN = 2 ** 32;

function before(ms: number, id: number, code: number, ms2: number, id2: number, code2: number): boolean {
  return ms !== ms2 ? ms < ms2 : id !== id2 ? id < id2 : code < code2;
}

/** The events in order (a function of the content, whatever order they came in). */
export function minuteEvents(events: readonly MinuteEvent[]): MinuteEvents {
  const order = Uint32Array.from(events, (_, i) => i);
  const keys = Float64Array.from(events, (e) => e.ms * ID_SPAN + e.id);
  order.sort((a, b) => keys[a]! - keys[b]! || events[a]!.code - events[b]!.code);
  return {
    ms: Uint16Array.from(order, (i) => events[i]!.ms),
    ids: Uint32Array.from(order, (i) => events[i]!.id),
    codes: Float64Array.from(order, (i) => events[i]!.code),
  };
}

/** Both minutes' events in order: a linear merge of the two ordered lists. */
export function mergeMinuteEvents(a: MinuteEvents, b: MinuteEvents): MinuteEvents {
  if (b.ms.length === 0) return a;
  if (a.ms.length === 0) return b;
  const n = a.ms.length + b.ms.length;
  const ms = new Uint16Array(n);
  const ids = new Uint32Array(n);
  // Codes stay known only if both sides know them.
  const codes = a.codes !== null && b.codes !== null ? new Float64Array(n) : null;
  const ac = a.codes ?? new Float64Array(a.ms.length);
  const bc = b.codes ?? new Float64Array(b.ms.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const fromA =
      j >= b.ms.length ||
      (i < a.ms.length && !before(b.ms[j]!, b.ids[j]!, bc[j]!, a.ms[i]!, a.ids[i]!, ac[i]!));
    if (fromA) {
      ms[k] = a.ms[i]!;
      ids[k] = a.ids[i]!;
      if (codes !== null) codes[k] = ac[i]!;
      i++;
    } else {
      ms[k] = b.ms[j]!;
      ids[k] = b.ids[j]!;
      if (codes !== null) codes[k] = bc[j]!;
      j++;
    }
  }
  return { ms, ids, codes };
}

/**
 * Per-device counts of the events with ms in [fromMs, toMs) (the whole minute by default), of one
 * error code when `code` is given (none when the minute's codes are unknown).
 */
export function countsBetween(
  events: MinuteEvents,
  fromMs = 0,
  toMs = MINUTE_MS,
  code?: number,
): CountVector {
  let lo = 0;
  while (lo < events.ms.length && events.ms[lo]! < fromMs) lo++;
  let hi = lo;
  while (hi < events.ms.length && events.ms[hi]! < toMs) hi++;
  if (code === undefined) return countIds(events.ids.subarray(lo, hi));
  const codes = events.codes;
  if (codes === null) return countIds(new Uint32Array(0));
  const ids: number[] = [];
  for (let k = lo; k < hi; k++) if (codes[k] === code) ids.push(events.ids[k]!);
  return countIds(Uint32Array.from(ids));
}

export function encodeMinuteEvents(events: MinuteEvents): Uint8Array {
  return encodeColumns(events.ms, events.ids, 4);
}

/**
 * The codes column: the count, the minute's distinct codes (signed), then each event's index among
 * them: one byte an event while a minute has under 128 distinct codes.
 */
export function encodeMinuteCodes(codes: Float64Array): Uint8Array {
  const dictionary = new Map<number, number>();
  for (const code of codes) if (!dictionary.has(code)) dictionary.set(code, dictionary.size);
  const w = new ByteWriter(codes.length + dictionary.size * 3 + 8).uint(codes.length).uint(dictionary.size);
  for (const code of dictionary.keys()) w.int(code);
  for (const code of codes) w.uint(dictionary.get(code)!);
  return w.finish();
}

/** A stored minute; `codes` is its codes column, absent for a minute stored before codes were kept. */
export function decodeMinuteEvents(bytes: Uint8Array, codes?: Uint8Array): MinuteEvents {
  const [ms, ids] = decodeColumns(bytes, Uint16Array, Uint32Array);
  if (codes === undefined) return { ms, ids, codes: null };
  const r = new ByteReader(codes);
  const column = new Float64Array(r.uint());
  const dictionary = Array.from({ length: r.uint() }, () => r.int());
  for (let i = 0; i < column.length; i++) column[i] = dictionary[r.uint()]!;
  return { ms, ids, codes: column };
}
