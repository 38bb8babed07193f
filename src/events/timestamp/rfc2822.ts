/**
 * RFC 2822 date-time (`[Wed, ]18 Sep 2024 16:14:10 +0200`): seconds optional, zone required, a
 * trailing comment such as `(UTC)` allowed. Named zones are those the RFC defines plus UTC.
 */
import { weekdayFromDays } from './civil.ts';
import { instantFromFields, validDays } from './fields.ts';
import { fail, type ParsedTimestamp, type TimestampFailure } from './result.ts';
import {
  fourDigits,
  isDigitCode,
  isLetterCode,
  letterKey,
  monthAt,
  packLetters,
  skipBlanks,
  skipDigits,
  twoDigits,
  weekdayAt,
} from './scan.ts';
import { CH_CLOSE_PAREN, CH_COLON, CH_COMMA, CH_MINUS, CH_OPEN_PAREN, CH_PLUS } from '../char-codes.ts';

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const NAMED_ZONES = new Map<number, number>(
  (
    [
      ['ut', 0],
      ['utc', 0],
      ['gmt', 0],
      ['z', 0],
      ['est', -300],
      ['edt', -240],
      ['cst', -360],
      ['cdt', -300],
      ['mst', -420],
      ['mdt', -360],
      ['pst', -480],
      ['pdt', -420],
    ] as const
  ).map(([name, minutes]) => [letterKey(name), minutes]),
);

const SHAPE = 'expected an RFC 2822 date such as "Wed, 18 Sep 2024 16:14:10 +0200"';

export function parseRfc2822(s: string): ParsedTimestamp | TimestampFailure {
  const len = s.length;
  let i = 0;
  let weekday = -1;
  if (isLetterCode(s.charCodeAt(0))) {
    weekday = weekdayAt(s, 0);
    if (weekday < 0 || s.charCodeAt(3) !== CH_COMMA) return fail('TS_UNRECOGNIZED', SHAPE);
    i = skipBlanks(s, 4);
  }

  const dayStart = i;
  i = skipDigits(s, i);
  if (i - dayStart < 1 || i - dayStart > 2) return fail('TS_UNRECOGNIZED', SHAPE);
  const day = i - dayStart === 1 ? s.charCodeAt(dayStart) - 48 : twoDigits(s, dayStart);
  let next = skipBlanks(s, i);
  const month = monthAt(s, next);
  if (next === i || month === 0 || isLetterCode(s.charCodeAt(next + 3))) {
    return fail('TS_UNRECOGNIZED', `${SHAPE}; the month must be a three-letter English abbreviation`);
  }
  i = next + 3;
  next = skipBlanks(s, i);
  const yearEnd = skipDigits(s, next);
  if (s.charCodeAt(yearEnd) === CH_COLON) {
    return fail('TS_NO_YEAR', 'the date has no year, so the instant cannot be placed in time');
  }
  if (next === i || yearEnd - next !== 4) {
    if (yearEnd - next > 4) return fail('TS_OUT_OF_RANGE', 'years are limited to 0000 to 9999');
    return fail('TS_UNRECOGNIZED', `${SHAPE}; the year must have four digits`);
  }
  const year = fourDigits(s, next);
  i = yearEnd;

  next = skipBlanks(s, i);
  const hour = twoDigits(s, next);
  const minute = twoDigits(s, next + 3);
  if (next === i || hour < 0 || minute < 0 || s.charCodeAt(next + 2) !== CH_COLON) {
    return fail('TS_UNRECOGNIZED', `${SHAPE}; expected the time as hh:mm[:ss]`);
  }
  i = next + 5;
  let second = 0;
  if (s.charCodeAt(i) === CH_COLON) {
    second = twoDigits(s, i + 1);
    if (second < 0) return fail('TS_UNRECOGNIZED', `${SHAPE}; expected two digits of seconds`);
    i += 3;
  }

  next = skipBlanks(s, i);
  if (next === i || next === len) {
    return fail('TS_UNRECOGNIZED', `${SHAPE}; the zone (+hhmm, -hhmm, GMT, UT or UTC) is required`);
  }
  i = next;
  let offset: number;
  const c = s.charCodeAt(i);
  if (c === CH_PLUS || c === CH_MINUS) {
    const hh = twoDigits(s, i + 1);
    const mm = twoDigits(s, i + 3);
    if (hh < 0 || mm < 0 || hh > 23 || mm > 59 || isDigitCode(s.charCodeAt(i + 5))) {
      return fail('TS_BAD_OFFSET', 'zone offset must be +hhmm or -hhmm with hh <= 23 and mm <= 59');
    }
    offset = c === CH_MINUS ? -(hh * 60 + mm) : hh * 60 + mm;
    i += 5;
  } else {
    let end = i;
    while (end < len && isLetterCode(s.charCodeAt(end))) end++;
    const named = NAMED_ZONES.get(packLetters(s, i, end));
    if (named === undefined) {
      return fail('TS_BAD_OFFSET', 'unknown zone name; use +hhmm, -hhmm, GMT, UT or UTC');
    }
    offset = named;
    i = end;
  }
  if (i < len) {
    // RFC 2822 allows a comment after the zone, e.g. "+0000 (UTC)".
    next = skipBlanks(s, i);
    if (s.charCodeAt(next) !== CH_OPEN_PAREN || s.charCodeAt(len - 1) !== CH_CLOSE_PAREN) {
      return fail('TS_UNRECOGNIZED', `${SHAPE}; unexpected text after the zone`);
    }
  }

  const days = validDays(year, month, day);
  if (typeof days !== 'number') return days;
  if (weekday >= 0 && weekdayFromDays(days) !== weekday) {
    const actual = WEEKDAY_NAMES[weekdayFromDays(days)];
    return fail('TS_WEEKDAY_MISMATCH', `the date falls on a ${actual}, not a ${WEEKDAY_NAMES[weekday]}`);
  }
  return instantFromFields(days, hour, minute, second, 0, offset, 'rfc2822');
}
