/**
 * Time ranges of the read side: `from` inclusive, `to` exclusive, either end open. Both ends are
 * parsed with the ingest timestamp parser, so a range accepts every form an event may carry.
 */
import { ValidationError } from '../errors/errors.ts';
import { formatIsoMs, parseTimestamp } from '../events/timestamp.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Epoch milliseconds; null is an open end. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

export const ALL_TIME: TimeRange = { from: null, to: null };

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

/**
 * Refuses ranges wider than `maxMs` (an open start is infinitely wide; an open end reaches `now`).
 * Exact answers read every event in the range, so their cost grows with its width.
 */
export function requireSpanAtMost(range: TimeRange, maxMs: number, advice: string, now = Date.now()): void {
  const span = (range.to ?? Math.max(now, range.from ?? now)) - (range.from ?? -Infinity);
  if (span > maxMs) {
    const days = maxMs / DAY_MS;
    const width = range.from === null ? 'an open start' : `${(span / DAY_MS).toFixed(1)} days`;
    throw new ValidationError(
      'RANGE_TOO_WIDE',
      `exact answers cover at most ${days} days and this range has ${width}; ${advice}`,
    );
  }
}

/**
 * The MongoDB filter for `field` in the range, `{}` when both ends are open. Its values are Dates
 * built here, never client input, so no request can put an operator in it.
 */
export function timeFilter(field: string, range: TimeRange): Record<string, { $gte?: Date; $lt?: Date }> {
  const condition: { $gte?: Date; $lt?: Date } = {};
  if (range.from !== null) condition.$gte = new Date(range.from);
  if (range.to !== null) condition.$lt = new Date(range.to);
  return Object.keys(condition).length === 0 ? {} : { [field]: condition };
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
