/**
 * ISO 8601 / RFC 3339 subset: `YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)f{1,9}]][Z|z|±hh:mm|±hhmm|±hh]]`.
 * Without an offset the time is UTC: the host's zone must never change what an event means.
 */
import { MS_PER_DAY } from './civil.ts';
import { instantFromFields, validDays } from './fields.ts';
import { fail, ok, type ParsedTimestamp, type TimestampFailure } from './result.ts';
import { fourDigits, isDigitCode, skipDigits, twoDigits } from './scan.ts';
import {
  CH_COLON,
  CH_COMMA,
  CH_DOT,
  CH_MINUS,
  CH_PLUS,
  CH_SPACE,
  CH_T,
  CH_T_LOWER,
  CH_Z,
  CH_Z_LOWER,
} from '../char-codes.ts';

const MAX_FRACTION_DIGITS = 9;

/** Called when `s` starts with four digits and a dash. */
export function parseIso(s: string): ParsedTimestamp | TimestampFailure {
  const len = s.length;
  const year = fourDigits(s, 0);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (month < 0 || day < 0 || s.charCodeAt(7) !== CH_MINUS || isDigitCode(s.charCodeAt(10))) {
    return fail('TS_UNRECOGNIZED', 'expected an ISO 8601 date YYYY-MM-DD');
  }
  const days = validDays(year, month, day);
  if (typeof days !== 'number') return days;
  if (len === 10) return ok(days * MS_PER_DAY, 'iso8601');

  const sep = s.charCodeAt(10);
  if (sep !== CH_T && sep !== CH_T_LOWER && sep !== CH_SPACE) {
    return fail('TS_UNRECOGNIZED', 'after YYYY-MM-DD expected T, t or a space and then hh:mm');
  }
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  if (hour < 0 || minute < 0 || s.charCodeAt(13) !== CH_COLON) {
    return fail('TS_UNRECOGNIZED', 'expected a time hh:mm[:ss[.fraction]] after the date');
  }
  let i = 16;
  let second = 0;
  let milli = 0;
  if (s.charCodeAt(i) === CH_COLON) {
    second = twoDigits(s, i + 1);
    if (second < 0) return fail('TS_UNRECOGNIZED', 'expected two digits of seconds after hh:mm:');
    i += 3;
    const c = s.charCodeAt(i);
    if (c === CH_DOT || c === CH_COMMA) {
      const start = ++i;
      i = skipDigits(s, i);
      const digits = i - start;
      if (digits === 0)
        return fail('TS_UNRECOGNIZED', 'a decimal point in the seconds needs digits after it');
      if (digits > MAX_FRACTION_DIGITS) {
        return fail(
          'TS_TOO_MANY_DIGITS',
          `fraction of a second has ${digits} digits; at most 9 are accepted`,
        );
      }
      // Only the first three digits matter: the rest is below a millisecond and is floored away.
      milli = (s.charCodeAt(start) - 48) * 100;
      if (digits > 1) milli += (s.charCodeAt(start + 1) - 48) * 10;
      if (digits > 2) milli += s.charCodeAt(start + 2) - 48;
    }
  }

  let offset = 0;
  if (i < len) {
    const c = s.charCodeAt(i);
    if (c === CH_Z || c === CH_Z_LOWER) {
      if (i + 1 !== len) return fail('TS_UNRECOGNIZED', 'unexpected text after the zone designator Z');
    } else if (c === CH_PLUS || c === CH_MINUS) {
      offset = offsetMinutes(s, i + 1);
      if (offset < 0) {
        return fail('TS_BAD_OFFSET', 'zone offset must be ±hh:mm, ±hhmm or ±hh with hh <= 23 and mm <= 59');
      }
      if (c === CH_MINUS) offset = -offset;
    } else {
      return fail('TS_UNRECOGNIZED', 'unexpected text after the time; expected Z or a ±hh:mm offset');
    }
  }
  return instantFromFields(days, hour, minute, second, milli, offset, 'iso8601');
}

/** Minutes east of UTC from `hh`, `hhmm` or `hh:mm` running to the end of `s`, or -1. */
function offsetMinutes(s: string, i: number): number {
  const hours = twoDigits(s, i);
  const rest = s.length - (i + 2);
  let minutes: number;
  if (rest === 0) minutes = 0;
  else if (rest === 2) minutes = twoDigits(s, i + 2);
  else if (rest === 3 && s.charCodeAt(i + 2) === CH_COLON) minutes = twoDigits(s, i + 3);
  else return -1;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return -1;
  return hours * 60 + minutes;
}
