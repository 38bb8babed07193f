/**
 * How many distinct device addresses sent events, over all time or any time range, without
 * reading events.
 *
 * - All time: the totals document (one read).
 * - A range, exact: the union of the device-id bitmaps of the whole months, days and hours inside
 *   it, the ids of the whole minutes at its edges, and of the events in the parts of minutes at its
 *   ends (each minute keeps its events' milliseconds, so the edges are exact to the millisecond).
 *   A few hundred documents at most, whatever the width.
 * - A range, approx: the HyperLogLog sketches of the same whole buckets (documents of their own,
 *   lighter to read than the buckets' heads), and the ids of the
 *   edge minutes' events, over the same exact range; cheaper than the bitmaps of long ranges.
 *   `events` is exact in both modes.
 */
import type { Db } from 'mongodb';
import { BitmapUnion, countsBetween, HyperLogLog, loadBitmaps } from '../sketch/index.ts';
import {
  bucketId,
  HLL_PRECISION,
  type HllDoc,
  hllId,
  type MinuteDoc,
  type SetDoc,
  setId,
} from '../store/index.ts';
import { type TimeRange, isAllTime, isoOrNull } from './range.ts';
import { QueryReader } from './reader.ts';
import { minuteEvents } from './minutes.ts';
import { type Piece, tileRange } from './tiling.ts';

export type CountMode = 'exact' | 'approx';

export interface UniqueIpsQuery extends TimeRange {
  mode: CountMode;
}

export interface UniqueIpsAnswer {
  uniqueIps: number;
  events: number;
  from: string | null;
  to: string | null;
  mode: CountMode;
  /** Standard error of an approx answer, as a fraction (0.016 is ±1.6%). */
  relativeError?: number;
}

export async function uniqueIps(db: Db, query: UniqueIpsQuery): Promise<UniqueIpsAnswer> {
  const reader = await QueryReader.open(db);
  const answer = { from: isoOrNull(query.from), to: isoOrNull(query.to) };
  if (isAllTime(query)) {
    // Exact and cheaper than any sketch, so an approx request over all time gets it too.
    const stored = await reader.totals();
    return { ...answer, uniqueIps: stored?.devices ?? 0, events: stored?.events ?? 0, mode: 'exact' };
  }
  const range = await reader.closeRange(query);
  if (query.mode === 'approx') {
    if (range === null) return { ...answer, uniqueIps: 0, events: 0, mode: 'approx', relativeError: 0 };
    return { ...answer, ...(await approxInRange(reader, range.from, range.to)), mode: 'approx' };
  }
  if (range === null) return { ...answer, uniqueIps: 0, events: 0, mode: 'exact' };
  return { ...answer, ...(await exactInRange(reader, range.from, range.to)), mode: 'exact' };
}

/** The document each piece is answered from (exact: bitmaps of summary buckets, minutes' events). */
function exactDocId(piece: Piece): string {
  if (piece.kind === 'partial') return bucketId('minute', piece.start);
  return piece.level === 'minute'
    ? bucketId('minute', piece.start)
    : setId(bucketId(piece.level, piece.start));
}

async function exactInRange(
  reader: QueryReader,
  from: number,
  to: number,
): Promise<{ uniqueIps: number; events: number }> {
  const pieces = tileRange(from, to);
  const docs = await reader.rollups<MinuteDoc | SetDoc>(pieces.map(exactDocId), 'the exact count');
  const minutes = await minuteEvents(reader, docs, pieces, 'the exact count', true);
  await loadBitmaps();
  const union = new BitmapUnion();
  try {
    let events = 0;
    for (const [i, piece] of pieces.entries()) {
      const doc = docs.get(exactDocId(piece)) ?? null;
      if (doc === null) continue;
      if (piece.kind === 'bucket' && piece.level !== 'minute') {
        const set = doc as SetDoc;
        union.addBitmap(set.bitmap.buffer);
        events += set.events;
        continue;
      }
      const busy = doc as MinuteDoc;
      if (piece.kind === 'bucket' && busy.seconds === true && busy.devices !== undefined) {
        // A whole busy minute: its figures, without its seconds.
        union.addBitmap(busy.devices.buffer);
        events += busy.events;
        continue;
      }
      const minute = minutes.get(i)!;
      const counts =
        piece.kind === 'partial' ? countsBetween(minute, piece.fromMs, piece.toMs) : countsBetween(minute);
      union.addIds(counts.ids);
      for (const c of counts.counts) events += c;
    }
    return { uniqueIps: union.size, events };
  } finally {
    union.close();
  }
}

/** The document each piece is answered from (approx: sketches of summary buckets, minutes' events). */
function approxDocId(piece: Piece): string {
  if (piece.kind === 'partial' || piece.level === 'minute') return bucketId('minute', piece.start);
  return hllId(bucketId(piece.level, piece.start));
}

async function approxInRange(reader: QueryReader, from: number, to: number) {
  const pieces = tileRange(from, to);
  const docs = await reader.rollups<MinuteDoc | HllDoc>(pieces.map(approxDocId), 'the approx count');
  const minutes = await minuteEvents(reader, docs, pieces, 'the approx count');
  const sketch = new HyperLogLog(HLL_PRECISION);
  let events = 0;
  for (const [i, piece] of pieces.entries()) {
    const doc = docs.get(approxDocId(piece)) ?? null;
    if (doc === null) continue;
    if ('detail' in doc) {
      const minute = minutes.get(i)!;
      const counts =
        piece.kind === 'partial' ? countsBetween(minute, piece.fromMs, piece.toMs) : countsBetween(minute);
      for (const deviceId of counts.ids) sketch.add(String(deviceId));
      for (const c of counts.counts) events += c;
    } else {
      sketch.merge(HyperLogLog.fromBytes(doc.hll.buffer, HLL_PRECISION));
      events += doc.events;
    }
  }
  return { uniqueIps: Math.round(sketch.estimate()), events, relativeError: sketch.relativeError };
}
