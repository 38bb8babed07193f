/**
 * Which stored buckets answer a time range exactly: whole months, days, six hours, hours, ten
 * minutes and minutes inside it, largest first, and the parts of minutes at its two edges
 * (answered from the minutes' events, to the millisecond). A range of any width takes at most the
 * months inside it, then at each end up to 30 days, 3 six hours, 5 hours, 5 ten minutes, 9
 * minutes and one partial minute.
 */
import { LEVELS_COARSE_FIRST, type Level, MINUTE_MS, bucketEnd, bucketStart } from '../store/index.ts';
import { InternalError } from '../errors/index.ts';

export type Piece =
  /** A whole bucket. */
  | { kind: 'bucket'; level: Level; start: number }
  /** [start + fromMs, start + toMs) of the minute that begins at `start`. */
  | { kind: 'partial'; start: number; fromMs: number; toMs: number };

/** The first bucket start of `level` at or after `ms`. */
function alignUp(level: Level, ms: number): number {
  const start = bucketStart(level, ms);
  return start === ms ? ms : bucketEnd(level, start);
}

function cover(from: number, to: number, levelIndex: number, out: Piece[]): void {
  if (from >= to) return;
  const level = LEVELS_COARSE_FIRST[levelIndex];
  if (level === undefined) throw new InternalError(`tileRange: [${from}, ${to}) is not minute-aligned`);
  const first = alignUp(level, from);
  const fits = first < to && bucketEnd(level, first) <= to;
  if (!fits) {
    cover(from, to, levelIndex + 1, out);
    return;
  }
  cover(from, first, levelIndex + 1, out);
  let start = first;
  for (; bucketEnd(level, start) <= to; start = bucketEnd(level, start))
    out.push({ kind: 'bucket', level, start });
  cover(start, to, levelIndex + 1, out);
}

/** The pieces of [from, to) (epoch ms, from < to), in time order. */
export function tileRange(from: number, to: number): Piece[] {
  if (!(from < to)) return [];
  const firstMinute = alignUp('minute', from);
  const lastMinute = bucketStart('minute', to);
  if (firstMinute > lastMinute) {
    // Inside one minute.
    const start = bucketStart('minute', from);
    return [{ kind: 'partial', start, fromMs: from - start, toMs: to - start }];
  }
  const pieces: Piece[] = [];
  if (from < firstMinute) {
    const start = firstMinute - MINUTE_MS;
    pieces.push({ kind: 'partial', start, fromMs: from - start, toMs: MINUTE_MS });
  }
  cover(firstMinute, lastMinute, 0, pieces);
  if (lastMinute < to) pieces.push({ kind: 'partial', start: lastMinute, fromMs: 0, toMs: to - lastMinute });
  return pieces;
}
