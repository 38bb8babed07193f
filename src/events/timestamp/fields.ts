/** Turns calendar fields read by the textual parsers into an instant, refusing impossible ones. */
import { daysFromCivil, daysInMonth, MS_PER_DAY } from './civil.ts';
import { fail, ok, type ParsedTimestamp, type TimestampFailure, type TimestampFormat } from './result.ts';

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Days since 1970-01-01, or a failure when the date does not exist. Year is 0..9999 by construction. */
export function validDays(year: number, month: number, day: number): number | TimestampFailure {
  if (month < 1 || month > 12) return fail('TS_IMPOSSIBLE_DATE', `month ${month} does not exist`);
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    const y = String(year).padStart(4, '0');
    return fail(
      'TS_IMPOSSIBLE_DATE',
      `day ${day} does not exist: ${MONTH_NAMES[month - 1]} ${y} has ${last} days`,
    );
  }
  return daysFromCivil(year, month, day);
}

/**
 * `second` may be 60 (a leap second): it is clamped to 59 with the fraction kept, because the
 * instant lies within that last second and POSIX time has no slot for it.
 */
export function instantFromFields(
  days: number,
  hour: number,
  minute: number,
  second: number,
  milli: number,
  offsetMinutes: number,
  format: TimestampFormat,
): ParsedTimestamp | TimestampFailure {
  if (hour > 23) return fail('TS_IMPOSSIBLE_DATE', `hour ${hour} does not exist; hours run 00 to 23`);
  if (minute > 59) return fail('TS_IMPOSSIBLE_DATE', `minute ${minute} does not exist; minutes run 00 to 59`);
  if (second > 60) return fail('TS_IMPOSSIBLE_DATE', `second ${second} does not exist; at most 60 (leap)`);
  const s = second === 60 ? 59 : second;
  const local = days * MS_PER_DAY + ((hour * 60 + minute) * 60 + s) * 1000 + milli;
  return ok(local - offsetMinutes * 60_000, format);
}
