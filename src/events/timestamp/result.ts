import { TIMESTAMP_ERROR_CODES, type TimestampErrorCode } from '../../errors/index.ts';
import { formatIsoMs, MAX_EPOCH_MS, MIN_EPOCH_MS } from './civil.ts';

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

export { TIMESTAMP_ERROR_CODES, type TimestampErrorCode };

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
