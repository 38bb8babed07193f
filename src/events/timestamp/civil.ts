/**
 * Proleptic Gregorian calendar arithmetic on plain integers (H. Hinnant's days_from_civil and
 * civil_from_days). Date.UTC maps years 0-99 to 1900-1999 and allocates, so the hot path avoids it.
 */

export const MS_PER_DAY = 86_400_000;
/** 0000-01-01T00:00:00.000Z */
export const MIN_EPOCH_MS = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z */
export const MAX_EPOCH_MS = 253_402_300_799_999;

// Shifting by one 400-year era keeps every intermediate value non-negative for years >= -1, so
// truncating division (`| 0`) equals floor division and stays in int32.
const ERA_DAYS = 146_097;
const EPOCH_SHIFT = 719_468 + ERA_DAYS;

function isLeapYear(year: number): boolean {
  return (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return 30 + ((month + (month >> 3)) & 1);
}

/** Days since 1970-01-01 for a valid date with year in 0..9999. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = (month <= 2 ? year - 1 : year) + 400;
  const era = (y / 400) | 0;
  const yoe = y - era * 400;
  const doy = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + (yoe >> 2) - ((yoe / 100) | 0) + doy;
  return era * ERA_DAYS + doe - EPOCH_SHIFT;
}

/** 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
export function weekdayFromDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

const TWO_DIGITS: string[] = [];
for (let i = 0; i < 100; i++) TWO_DIGITS.push(i < 10 ? `0${i}` : `${i}`);
// The output is assembled from pre-built pieces ("YYYY", "-MM-DDT", "HH:mm:", "ss.", "mmmZ") so that
// formatting costs a handful of concatenations and no number-to-string conversions.
const MONTH_DAY_PIECES: string[] = [];
for (let m = 0; m < 13; m++) {
  for (let d = 0; d < 32; d++) MONTH_DAY_PIECES.push(`-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}T`);
}
const MINUTE_PIECES: string[] = [];
for (let i = 0; i < 1440; i++) MINUTE_PIECES.push(`${TWO_DIGITS[(i / 60) | 0]}:${TWO_DIGITS[i % 60]}:`);
const SECOND_PIECES = TWO_DIGITS.slice(0, 60).map((s) => `${s}.`);
const MILLI_PIECES: string[] = [];
for (let i = 0; i < 1000; i++) MILLI_PIECES.push(`${String(i).padStart(3, '0')}Z`);

// Events cluster in a few recent days, so "YYYY-MM-DDT" is remembered per day in a small
// direct-mapped cache (slot = day mod 64): the calendar arithmetic runs about once per day seen.
const DAY_SLOTS = 64;
const cachedDays = new Float64Array(DAY_SLOTS).fill(Number.NaN);
const cachedDayPrefixes: string[] = new Array<string>(DAY_SLOTS).fill('');

function dayPrefix(days: number): string {
  const z = days + EPOCH_SHIFT;
  const era = (z / ERA_DAYS) | 0;
  const doe = z - era * ERA_DAYS;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36524) | 0) - ((doe / 146096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + (yoe >> 2) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const day = doy - (((153 * mp + 2) / 5) | 0) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 - 400 + (month <= 2 ? 1 : 0);
  return `${TWO_DIGITS[(year / 100) | 0]}${TWO_DIGITS[year % 100]}${MONTH_DAY_PIECES[month * 32 + day]}`;
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` for an instant in 0000..9999 UTC, identical to Date#toISOString there
 * but several times faster. Sub-millisecond parts are floored. Outside that range it defers to
 * Date#toISOString (expanded ±YYYYYY years; RangeError for NaN).
 */
export function formatIsoMs(epochMs: number): string {
  const ms = Math.floor(epochMs);
  if (!(ms >= MIN_EPOCH_MS && ms <= MAX_EPOCH_MS)) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const slot = days & (DAY_SLOTS - 1);
  let prefix = cachedDayPrefixes[slot];
  if (cachedDays[slot] !== days || prefix === undefined) {
    prefix = dayPrefix(days);
    cachedDays[slot] = days;
    cachedDayPrefixes[slot] = prefix;
  }
  const msOfDay = ms - days * MS_PER_DAY;
  const minuteOfDay = (msOfDay / 60_000) | 0;
  const msOfMinute = msOfDay - minuteOfDay * 60_000;
  const second = (msOfMinute / 1000) | 0;
  return (
    prefix + MINUTE_PIECES[minuteOfDay] + SECOND_PIECES[second] + MILLI_PIECES[msOfMinute - second * 1000]
  );
}
