/**
 * Time ranges of the read side: `from` inclusive, `to` exclusive, either end open. Both ends are
 * parsed with the ingest timestamp parser, so a range accepts every form an event may carry.
 */
import { ValidationError } from '../errors/index.ts';
import { formatIsoMs, parseTimestamp } from '../events/index.ts';
import { bucketEnd, bucketStart } from '../store/index.ts';

/** Epoch milliseconds; null is an open end. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

function parseEnd(name: 'from' | 'to', value: string | undefined): number | null {
  if (value === undefined) return null;
  try {
    return parseTimestamp(value).epochMs;
  } catch (error) {
    // Say which parameter was wrong; the TS_* code stays, so clients can still branch on it.
    if (error instanceof ValidationError) throw new ValidationError(error.code, `${name}: ${error.message}`);
    throw error;
  }
}

/** Parses `from`/`to` as sent; a closed range must have from < to. */
export function parseRange(from: string | undefined, to: string | undefined): TimeRange {
  const range = { from: parseEnd('from', from), to: parseEnd('to', to) };
  if (range.from !== null && range.to !== null && range.from >= range.to) {
    throw new ValidationError(
      'RANGE_EMPTY',
      `from (${formatIsoMs(range.from)}) must be before to (${formatIsoMs(range.to)})`,
    );
  }
  return range;
}

export function isAllTime(range: TimeRange): boolean {
  return range.from === null && range.to === null;
}

/** Both ends given: the range needs nothing stored to be closed (so no totals read). */
export function isClosed(range: TimeRange): range is { from: number; to: number } {
  return range.from !== null && range.to !== null;
}

/**
 * A range with its open ends closed by the data: an open start is the earliest event stored, an
 * open end just after the latest. Null when nothing is stored, or nothing can be in the range.
 * A range with both ends is its own closure, whatever is stored.
 */
export function closeRange(
  range: TimeRange,
  stored: { firstTs: Date | null; lastTs: Date | null } | null,
): { from: number; to: number } | null {
  if (isClosed(range)) return range.from < range.to ? { from: range.from, to: range.to } : null;
  if (stored === null || stored.firstTs === null || stored.lastTs === null) return null;
  const from = range.from ?? stored.firstTs.getTime();
  const to = range.to ?? stored.lastTs.getTime() + 1;
  return from < to ? { from, to } : null;
}

/**
 * The range to tile for `range`, closed as `closed`. All time (both ends open, closed at the first
 * and last stored events) becomes the whole months holding them: they hold nothing outside it, so
 * it reads months instead of tiling the data's edges down to minutes. A range with one end given
 * stays as closed: moving its open end out to a month would add reads of buckets past the data.
 */
export function tiledBounds(
  range: TimeRange,
  closed: { from: number; to: number },
): { from: number; to: number } {
  if (!isAllTime(range)) return closed;
  return {
    from: bucketStart('month', closed.from),
    to: bucketEnd('month', bucketStart('month', closed.to - 1)),
  };
}

export function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

export function ceilTo(ms: number, unit: number): number {
  return Math.ceil(ms / unit) * unit;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : formatIsoMs(ms);
}
