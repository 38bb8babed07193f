/**
 * Character-code helpers shared by the timestamp parsers. They read at fixed positions and never
 * allocate; reading past the end yields NaN, which every check below treats as "not a digit".
 */

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ASCII letters only: names in timestamps are English abbreviations. */
export function isLetterCode(c: number): boolean {
  const lower = c | 32;
  return lower >= 97 && lower <= 122;
}

/** Two digits at `i` as a number, or -1. */
export function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

/** Four digits at `i` as a number, or -1. */
export function fourDigits(s: string, i: number): number {
  const hi = twoDigits(s, i);
  const lo = twoDigits(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/** Index of the first non-digit at or after `i`. */
export function skipDigits(s: string, i: number): number {
  const end = s.length;
  while (i < end && isDigitCode(s.charCodeAt(i))) i++;
  return i;
}

/** Index of the first character after a run of spaces and tabs (RFC 2822 folding white space). */
export function skipBlanks(s: string, i: number): number {
  const end = s.length;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
  }
  return i;
}

/** Up to three letters in `s[start..end)` lower-cased and packed in one integer, or -1. */
export function packLetters(s: string, start: number, end: number): number {
  if (end - start > 3 || end <= start) return -1;
  let packed = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isLetterCode(c)) return -1;
    packed = (packed << 8) | (c | 32);
  }
  return packed;
}

/** The three letters at `i`, packed as by packLetters. */
function nameKey(s: string, i: number): number {
  return packLetters(s, i, i + 3);
}

/** The packed key of a lower-case name, for building lookup tables. */
export function letterKey(name: string): number {
  return packLetters(name, 0, name.length);
}

const MONTHS = new Map<number, number>(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [
    letterKey(m),
    i + 1,
  ]),
);
const WEEKDAYS = new Map<number, number>(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [letterKey(d), i]),
);

/** 1..12 for an English three-letter month abbreviation at `i` (any case), else 0. */
export function monthAt(s: string, i: number): number {
  return MONTHS.get(nameKey(s, i)) ?? 0;
}

/** 0 (Sunday)..6 for an English three-letter weekday abbreviation at `i` (any case), else -1. */
export function weekdayAt(s: string, i: number): number {
  return WEEKDAYS.get(nameKey(s, i)) ?? -1;
}

/** Whitespace as String#trim sees it, for the cheap "does this need trimming" test. */
export function isTrimmable(c: number): boolean {
  // Printable ASCII and Latin-1 letters, the usual first and last characters, answer at once.
  if (c > 32 && c < 0xa0) return false;
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
