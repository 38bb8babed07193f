/**
 * Apache common log format time, `10/Oct/2000:13:55:36 -0700`, also with the square brackets it
 * has inside a log line. Its fields sit at fixed positions, so it is read by offset.
 */
import { instantFromFields, validDays } from './fields.ts';
import { fail, type ParsedTimestamp, type TimestampFailure } from './result.ts';
import { fourDigits, monthAt, twoDigits } from './scan.ts';
import {
  CH_CLOSE_BRACKET,
  CH_COLON,
  CH_MINUS,
  CH_OPEN_BRACKET,
  CH_PLUS,
  CH_SLASH,
  CH_SPACE,
} from '../char-codes.ts';

const CLF_LENGTH = 26;

const SHAPE = 'expected an Apache log time such as "10/Oct/2000:13:55:36 -0700"';

export function parseClf(s: string): ParsedTimestamp | TimestampFailure {
  let b = 0;
  let end = s.length;
  if (s.charCodeAt(0) === CH_OPEN_BRACKET) {
    if (s.charCodeAt(end - 1) !== CH_CLOSE_BRACKET) return fail('TS_UNRECOGNIZED', SHAPE);
    b = 1;
    end--;
  }
  const day = twoDigits(s, b);
  const month = monthAt(s, b + 3);
  const year = fourDigits(s, b + 7);
  const hour = twoDigits(s, b + 12);
  const minute = twoDigits(s, b + 15);
  const second = twoDigits(s, b + 18);
  const sign = s.charCodeAt(b + 21);
  const hh = twoDigits(s, b + 22);
  const mm = twoDigits(s, b + 24);
  if (
    end - b !== CLF_LENGTH ||
    (day | year | hour | minute | second) < 0 ||
    month === 0 ||
    s.charCodeAt(b + 2) !== CH_SLASH ||
    s.charCodeAt(b + 6) !== CH_SLASH ||
    s.charCodeAt(b + 11) !== CH_COLON ||
    s.charCodeAt(b + 14) !== CH_COLON ||
    s.charCodeAt(b + 17) !== CH_COLON ||
    s.charCodeAt(b + 20) !== CH_SPACE
  ) {
    return fail('TS_UNRECOGNIZED', SHAPE);
  }
  if ((sign !== CH_PLUS && sign !== CH_MINUS) || hh < 0 || mm < 0 || hh > 23 || mm > 59) {
    return fail('TS_BAD_OFFSET', 'zone offset must be +hhmm or -hhmm with hh <= 23 and mm <= 59');
  }
  const days = validDays(year, month, day);
  if (typeof days !== 'number') return days;
  const offset = sign === CH_MINUS ? -(hh * 60 + mm) : hh * 60 + mm;
  return instantFromFields(days, hour, minute, second, 0, offset, 'clf');
}
