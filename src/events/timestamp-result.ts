import { formatIsoMs, MAX_EPOCH_MS, MIN_EPOCH_MS } from './timestamp-civil.ts';

/** What the parser recognised; answers and dead letters name it. */
export type TimestampFormat =
  'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns' | 'iso8601' | 'rfc2822' | 'clf';

export interface ParsedTimestamp {
  epochMs: number;
  iso: string;
  format: TimestampFormat;
}

export interface TimestampFailure {
  code: TimestampErrorCode;
  message: string;
}

/**
 * Every reason a timestamp can be refused. The codes are part of the outside contract (HTTP answers,
 * dead letters, CLI output), so they never change meaning; add new ones instead.
 */
export const TIMESTAMP_ERROR_CODES = {
  TS_TYPE: 'the value is neither a string nor a number',
  TS_NOT_FINITE: 'the number is NaN or infinite',
  TS_EMPTY: 'the string is empty or only whitespace',
  TS_EXPONENT: 'exponent notation (1e12) is not accepted for epochs',
  TS_TOO_MANY_DIGITS: 'more than 20 integer digits in an epoch, or more than 9 fraction digits in a time',
  TS_IMPOSSIBLE_DATE: 'a field is outside its range (month 13, 2023-02-29, hour 24, minute 60)',
  TS_BAD_OFFSET: 'the zone offset is malformed or beyond ±23:59',
  TS_OUT_OF_RANGE: 'the instant falls outside the years 0000 to 9999 (UTC)',
  TS_WEEKDAY_MISMATCH: 'the weekday named does not fall on that date',
  TS_AMBIGUOUS: 'numeric day and month order cannot be told apart (03/12/2021)',
  TS_NO_YEAR: 'the date has no year (Oct 11 22:14:15)',
  TS_UNRECOGNIZED: 'not any of the accepted timestamp forms',
} as const;

export type TimestampErrorCode = keyof typeof TIMESTAMP_ERROR_CODES;

export function fail(code: TimestampErrorCode, message: string): TimestampFailure {
  return { code, message };
}

/** The one place a success is built, so the year range is enforced for every format alike. */
export function ok(epochMs: number, format: TimestampFormat): ParsedTimestamp | TimestampFailure {
  if (epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) {
    return fail('TS_OUT_OF_RANGE', 'instant is outside the years 0000 to 9999 UTC');
  }
  // `+ 0` turns -0 (from "-0" or -0 * 1000) into 0 so results compare and serialise as plain zero.
  return { epochMs: epochMs + 0, iso: formatIsoMs(epochMs), format };
}
