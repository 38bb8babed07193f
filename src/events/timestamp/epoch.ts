/**
 * Epoch timestamps: numbers and signed decimal digit strings. The unit comes from the count of
 * significant integer digits (<=11 s, 12-14 ms, 15-17 us, 18-20 ns). Digits are read as an exact
 * decimal, never through a float, so "1.001" s is 1001 ms and sub-millisecond digits are floored.
 */
import { fail, ok, type ParsedTimestamp, type TimestampFailure, type TimestampFormat } from './result.ts';
import { CH_0, CH_9, CH_DOT, CH_E_LOWER, CH_E_UPPER, CH_MINUS, CH_PLUS } from '../char-codes.ts';

// Every unit leaves at most 14 digits of whole milliseconds (11 + 3, 14, 17 - 3, 20 - 6), far
// below 2^53, so accumulating them in a double is exact.
const MAX_EPOCH_DIGITS = 20;

function unitOf(significantDigits: number): TimestampFormat {
  if (significantDigits <= 11) return 'epoch_s';
  if (significantDigits <= 14) return 'epoch_ms';
  if (significantDigits <= 17) return 'epoch_us';
  return 'epoch_ns';
}

/** How many leading digits of the decimal form whole milliseconds, relative to the integer digits. */
function msDigitShift(format: TimestampFormat): number {
  switch (format) {
    case 'epoch_s':
      return 3;
    case 'epoch_ms':
      return 0;
    case 'epoch_us':
      return -3;
    default:
      return -6;
  }
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

/**
 * Parses an epoch digit string (already trimmed). The caller has checked it starts with a sign or
 * a digit and does not continue like a calendar date.
 */
export function parseEpochString(s: string): ParsedTimestamp | TimestampFailure {
  const end = s.length;
  let i = 0;
  const c0 = s.charCodeAt(0);
  const negative = c0 === CH_MINUS;
  if (negative || c0 === CH_PLUS) i++;
  const intStart = i;
  while (i < end && s.charCodeAt(i) === CH_0) i++;
  const sigStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === intStart) return fail('TS_UNRECOGNIZED', 'an epoch needs at least one integer digit');
  let fracStart = intEnd;
  let fracEnd = intEnd;
  if (i < end && s.charCodeAt(i) === CH_DOT) {
    fracStart = ++i;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
    if (fracEnd === fracStart) return fail('TS_UNRECOGNIZED', 'an epoch fraction needs at least one digit');
  }
  if (i < end) {
    const c = s.charCodeAt(i);
    if (c === CH_E_LOWER || c === CH_E_UPPER) {
      return fail('TS_EXPONENT', 'exponent notation is not accepted; write the epoch as plain digits');
    }
    return fail('TS_UNRECOGNIZED', 'an epoch may only hold a sign, digits and one decimal point');
  }
  const significant = intEnd - sigStart;
  if (significant > MAX_EPOCH_DIGITS) {
    return fail(
      'TS_TOO_MANY_DIGITS',
      `epoch has ${significant} integer digits; at most 20 (nanoseconds) are accepted`,
    );
  }
  const format = unitOf(significant);
  const take = significant + msDigitShift(format);
  let whole = 0;
  let taken = 0;
  let remainder = false;
  // Walk the integer digits then the fraction digits as one decimal string.
  for (let p = sigStart; p < intEnd; p++) {
    const d = s.charCodeAt(p) - CH_0;
    if (taken < take) {
      whole = whole * 10 + d;
      taken++;
    } else if (d !== 0) remainder = true;
  }
  for (let p = fracStart; p < fracEnd; p++) {
    const d = s.charCodeAt(p) - CH_0;
    if (taken < take) {
      whole = whole * 10 + d;
      taken++;
    } else if (d !== 0) {
      remainder = true;
      break;
    }
  }
  for (; taken < take; taken++) whole *= 10;
  // Floor toward -infinity: a negative epoch with a cut-off remainder lands on the earlier millisecond.
  return ok(negative ? -whole - (remainder ? 1 : 0) : whole, format);
}

/**
 * Numbers mean their shortest round-trip decimal (what String(n) prints), so 1726668850.124 is .124 s
 * although the double is 1726668850.12399983... Integers and most fractions take float-free fast
 * paths; the rest go through the digit-string parser.
 */
export function parseEpochNumber(n: number): ParsedTimestamp | TimestampFailure {
  if (!Number.isFinite(n)) return fail('TS_NOT_FINITE', `${n} is not a finite number`);
  const a = n < 0 ? -n : n;
  if (a >= 1e20) {
    return fail('TS_TOO_MANY_DIGITS', 'epoch has more than 20 integer digits; at most 20 are accepted');
  }
  if (Number.isInteger(n)) {
    if (a < 1e11) return ok(n * 1000, 'epoch_s');
    if (a < 1e14) return ok(n, 'epoch_ms');
    if (a < 1e17 && a <= Number.MAX_SAFE_INTEGER) return ok(floorDiv(n, 1000), 'epoch_us');
    return parseEpochString(String(n));
  }
  if (a < 1e11) {
    // Tiny magnitudes print in exponent form; their decimal value is far below one millisecond.
    if (a < 1e-6) return ok(n < 0 ? -1 : 0, 'epoch_s');
    const ms = secondsFastPath(n);
    return ms === undefined ? parseEpochString(String(n)) : ok(ms, 'epoch_s');
  }
  // A non-integer double here is below 2^52, and no integer lies between it and its shortest
  // decimal (that integer would itself be a shorter round-trip form), so Math.floor is exact.
  const whole = Math.floor(n);
  if (a < 1e14) return ok(whole, 'epoch_ms');
  return ok(floorDiv(whole, 1000), 'epoch_us');
}

/**
 * When the shortest decimal of `n` has at most 3 fraction digits it equals k/1000 for an integer k,
 * and k/1000 computed in floating point (a correctly rounded division) gives back exactly `n`.
 * Below 1e11 s a double is finer than 1 ms, so at most one such k exists. Otherwise undefined.
 */
function secondsFastPath(n: number): number | undefined {
  const k = Math.floor(n * 1000);
  if ((k + 1) / 1000 === n) return k + 1;
  if (k / 1000 === n) return k;
  return undefined;
}

/** Floor division of a safe integer by a positive divisor, exact where n / d would round. */
function floorDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  const r = n - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}
