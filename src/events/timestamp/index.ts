/**
 * Timestamp normalization (see "Timestamp normalization" in the contract): any accepted input
 * becomes epoch milliseconds plus `YYYY-MM-DDTHH:mm:ss.sssZ`. This runs once per ingested event,
 * so recognition is a hand-written scan over char codes: no regular expressions, no Date.parse,
 * and no exceptions on the non-throwing path.
 */
import { ValidationError } from '../../errors/index.ts';
import { parseClf } from './clf.ts';
import { parseEpochNumber, parseEpochString } from './epoch.ts';
import { parseIso } from './iso.ts';
import { fail, type ParsedTimestamp, type TimestampFailure } from './result.ts';
import { parseRfc2822 } from './rfc2822.ts';
import { isDigitCode, isLetterCode, isTrimmable, skipDigits, weekdayAt } from './scan.ts';
import {
  ambiguousDate,
  isNumericDayMonthYear,
  rejectNumericDate,
  rejectWords,
  unrecognized,
} from './unsupported.ts';
import {
  CH_COMMA,
  CH_DOT,
  CH_E_LOWER,
  CH_E_UPPER,
  CH_MINUS,
  CH_OPEN_BRACKET,
  CH_PLUS,
  CH_SLASH,
  CH_SPACE,
} from '../char-codes.ts';

export { formatIsoMs } from './civil.ts';
export {
  type ParsedTimestamp,
  TIMESTAMP_ERROR_CODES,
  type TimestampErrorCode,
  type TimestampFailure,
  type TimestampFormat,
} from './result.ts';

/** Parses without ever throwing: a failure is returned as `{code, message}`. */
export function tryParseTimestamp(input: unknown): ParsedTimestamp | TimestampFailure {
  if (typeof input === 'number') return parseEpochNumber(input);
  if (typeof input === 'string') return parseString(input);
  return fail('TS_TYPE', `expected a string or a number, got ${typeName(input)}`);
}

export function isTimestampFailure(result: ParsedTimestamp | TimestampFailure): result is TimestampFailure {
  return 'code' in result;
}

/** Like tryParseTimestamp but throws a ValidationError carrying the failure code. */
export function parseTimestamp(input: unknown): ParsedTimestamp {
  const result = tryParseTimestamp(input);
  if (isTimestampFailure(result)) throw new ValidationError(result.code, result.message);
  return result;
}

function parseString(raw: string): ParsedTimestamp | TimestampFailure {
  let s = raw;
  // Trimming allocates, so it is done only when an end actually holds whitespace.
  if (s.length > 0 && (isTrimmable(s.charCodeAt(0)) || isTrimmable(s.charCodeAt(s.length - 1)))) {
    s = s.trim();
  }
  const len = s.length;
  if (len === 0) return fail('TS_EMPTY', 'the timestamp is empty');

  const c0 = s.charCodeAt(0);
  if (isDigitCode(c0)) {
    const run = skipDigits(s, 1);
    if (run === len) return parseEpochString(s);
    const c = s.charCodeAt(run);
    if (c === CH_MINUS) {
      if (run === 4) return parseIso(s);
      if (run > 4) return fail('TS_OUT_OF_RANGE', 'years are limited to 0000 to 9999');
      return rejectNumericDate(s, run);
    }
    if (c === CH_DOT) return isNumericDayMonthYear(s, run) ? ambiguousDate() : parseEpochString(s);
    if (c === CH_SLASH) {
      if (run === 2 && isLetterCode(s.charCodeAt(3))) return parseClf(s);
      return rejectNumericDate(s, run);
    }
    if (c === CH_SPACE && run <= 2) return parseRfc2822(s);
    if (c === CH_E_LOWER || c === CH_E_UPPER) return parseEpochString(s);
    return unrecognized();
  }
  if (c0 === CH_MINUS || c0 === CH_PLUS) {
    const run = skipDigits(s, 1);
    if (run > 1 && s.charCodeAt(run) === CH_MINUS) {
      return fail('TS_OUT_OF_RANGE', 'signed (expanded) years are outside 0000 to 9999');
    }
    return parseEpochString(s);
  }
  if (isLetterCode(c0)) {
    if (weekdayAt(s, 0) >= 0 && s.charCodeAt(3) === CH_COMMA) return parseRfc2822(s);
    return rejectWords(s);
  }
  if (c0 === CH_OPEN_BRACKET) return parseClf(s);
  return unrecognized();
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
