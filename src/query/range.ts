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
 * A closed range with each open end moved out to its month's edge. The closure put an open end at
 * the first or last stored event, so the months at an open end hold nothing outside the range and
 * count whole: all time reads whole months instead of tiling the data's edges down to minutes.
 */
export function widenOpenEnds(
  range: TimeRange,
  closed: { from: number; to: number },
): { from: number; to: number } {
  return {
    from: range.from === null ? bucketStart('month', closed.from) : closed.from,
    to: range.to === null ? bucketEnd('month', bucketStart('month', closed.to - 1)) : closed.to,
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
