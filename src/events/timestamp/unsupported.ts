/**
 * Shapes that look like dates but cannot be read safely. They get their own reason codes so a
 * producer learns what to fix rather than just "unrecognized".
 */
import { fail, type TimestampFailure } from './result.ts';
import { isDigitCode, isLetterCode, monthAt, skipDigits } from './scan.ts';

const FULL_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const UNRECOGNIZED =
  'not a recognised timestamp: use an epoch, ISO 8601 (2024-09-18T14:14:10Z), RFC 2822 or Apache log time';

export function unrecognized(): TimestampFailure {
  return fail('TS_UNRECOGNIZED', UNRECOGNIZED);
}

/**
 * True for `D[D]<sep>D[D]<sep>YY[YY]` where sep is `/`, `-` or `.`: whether 03/12/2021 is March or
 * December depends on the writer's locale, which an event does not carry.
 */
export function isNumericDayMonthYear(s: string, firstRunEnd: number): boolean {
  if (firstRunEnd > 2) return false;
  const sep = s.charCodeAt(firstRunEnd);
  const secondEnd = skipDigits(s, firstRunEnd + 1);
  const secondLength = secondEnd - firstRunEnd - 1;
  if (secondLength < 1 || secondLength > 2 || s.charCodeAt(secondEnd) !== sep) return false;
  const yearEnd = skipDigits(s, secondEnd + 1);
  const yearLength = yearEnd - secondEnd - 1;
  return yearLength >= 2 && yearLength <= 4;
}

export function ambiguousDate(): TimestampFailure {
  return fail(
    'TS_AMBIGUOUS',
    'a numeric date like 03/12/2021 can be read day-first or month-first; use ISO 8601 YYYY-MM-DD',
  );
}

/** Digits followed by `/`, `-` or `.` that is neither ISO nor an Apache log time. */
export function rejectNumericDate(s: string, firstRunEnd: number): TimestampFailure {
  if (isNumericDayMonthYear(s, firstRunEnd)) return ambiguousDate();
  return unrecognized();
}

/** Text starting with a letter that is not an RFC 2822 date with weekday. */
export function rejectWords(s: string): TimestampFailure {
  let wordEnd = 1;
  while (wordEnd < s.length && isLetterCode(s.charCodeAt(wordEnd))) wordEnd++;
  const month = monthAt(s, 0);
  const isMonthName =
    month > 0 && (wordEnd === 3 || s.slice(0, wordEnd).toLowerCase() === FULL_MONTHS[month - 1]);
  if (isMonthName && !hasFourDigitRun(s, wordEnd)) {
    return fail('TS_NO_YEAR', 'the date has no year, so the instant cannot be placed in time');
  }
  return unrecognized();
}

function hasFourDigitRun(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    if (!isDigitCode(s.charCodeAt(i))) continue;
    const end = skipDigits(s, i);
    if (end - i === 4) return true;
    i = end;
  }
  return false;
}
