import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatIsoMs,
  isTimestampFailure,
  type TimestampFormat,
  tryParseTimestamp,
} from '../../../../src/events/index.ts';

const MIN_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');
const RUNS = { numRuns: 3000 };

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const instant = fc.integer({ min: MIN_MS, max: MAX_MS });
// Instants whose millisecond count has 12 to 14 digits, so ms, us and ns epochs keep their unit.
const wideInstant = fc.oneof(
  fc.integer({ min: 1e11, max: 1e14 - 1 }),
  fc.integer({ min: MIN_MS, max: -1e11 }),
);
const extraDigits = fc.stringMatching(/^[0-9]{0,12}$/);
const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Exact decimal `abs(value) / 10^scale` with its sign, written without floating point. */
function decimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

function expectParsed(input: unknown, epochMs: number, format: TimestampFormat): void {
  const result = tryParseTimestamp(input);
  if (epochMs < MIN_MS) {
    // Flooring a sub-millisecond remainder below 0000-01-01T00:00:00.000Z leaves the range.
    assert.ok(isTimestampFailure(result) && result.code === 'TS_OUT_OF_RANGE', JSON.stringify(input));
    return;
  }
  assert.ok(!isTimestampFailure(result), `${JSON.stringify(input)}: ${JSON.stringify(result)}`);
  assert.equal(result.epochMs, epochMs, JSON.stringify(input));
  assert.equal(result.format, format, JSON.stringify(input));
  assert.equal(result.iso, new Date(epochMs).toISOString());
}

function offsetText(minutes: number, style: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  const mm = pad(abs % 60, 2);
  if (style === 0) return `${sign}${hh}:${mm}`;
  if (style === 1) return `${sign}${hh}${mm}`;
  return `${sign}${hh}`;
}

/** The UTC fields of `ms`, read back through Date only in the test, never in the parser. */
function fields(ms: number) {
  const d = new Date(ms);
  return {
    year: pad(d.getUTCFullYear(), 4),
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    time: `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`,
    milli: d.getUTCMilliseconds(),
  };
}

describe('epochs round-trip', () => {
  it('seconds with exact fractions, as strings and numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: 1e14 - 1 }), extraDigits, (ms, extra) => {
        const text = decimal(BigInt(ms), 3);
        expectParsed(text, ms, 'epoch_s');
        expectParsed(ms / 1000, ms, 'epoch_s');
        // Digits below the millisecond are floored: toward -infinity for negative epochs.
        const cut = ms < 0 && /[1-9]/.test(extra) ? 1 : 0;
        expectParsed(`${text}${extra}`, ms - cut, 'epoch_s');
      }),
      RUNS,
    );
  });

  it('milliseconds, microseconds and nanoseconds, as strings and safe-integer numbers', () => {
    fc.assert(
      fc.property(wideInstant, fc.integer({ min: 0, max: 999_999 }), (ms, sub) => {
        const big = BigInt(ms);
        const subUs = BigInt(Math.floor(sub / 1000));
        const us = ms < 0 ? big * 1000n - subUs : big * 1000n + subUs;
        const ns = ms < 0 ? big * 1_000_000n - BigInt(sub) : big * 1_000_000n + BigInt(sub);
        const below = (part: bigint) => (ms < 0 && part !== 0n ? 1 : 0);
        expectParsed(ms, ms, 'epoch_ms');
        expectParsed(String(ms), ms, 'epoch_ms');
        expectParsed(`${ms}.${pad(sub, 6)}`, ms - (ms < 0 && sub !== 0 ? 1 : 0), 'epoch_ms');
        expectParsed(String(us), ms - below(subUs), 'epoch_us');
        if (Number.isSafeInteger(Number(us))) expectParsed(Number(us), ms - below(subUs), 'epoch_us');
        expectParsed(String(ns), ms - below(BigInt(sub)), 'epoch_ns');
      }),
      RUNS,
    );
  });
});

describe('text forms round-trip', () => {
  it('ISO 8601 with every separator, precision and offset style', () => {
    fc.assert(
      fc.property(
        instant,
        offsetMinutes,
        fc.constantFrom('T', 't', ' '),
        fc.constantFrom('none', 'Z', 'z', '±hh:mm', '±hhmm', '±hh'),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom('.', ','),
        (utc, rawOffset, sep, zone, fractionDigits, point) => {
          const offset =
            zone === '±hh' ? Math.trunc(rawOffset / 60) * 60 : zone.startsWith('±') ? rawOffset : 0;
          const local = utc + offset * 60_000;
          fc.pre(local >= MIN_MS && local <= MAX_MS);
          const f = fields(local);
          const nanos = pad(f.milli, 3) + '123456';
          const fraction = fractionDigits === 0 ? '' : `${point}${nanos.slice(0, fractionDigits)}`;
          const kept =
            fractionDigits === 0 ? 0 : Number(nanos.slice(0, Math.min(3, fractionDigits)).padEnd(3, '0'));
          const suffix =
            zone === 'none'
              ? ''
              : zone === 'Z' || zone === 'z'
                ? zone
                : offsetText(offset, zone === '±hh:mm' ? 0 : zone === '±hhmm' ? 1 : 2);
          const text = `${f.year}-${pad(f.month + 1, 2)}-${pad(f.day, 2)}${sep}${f.time}${fraction}${suffix}`;
          expectParsed(text, utc - f.milli + kept, 'iso8601');
        },
      ),
      RUNS,
    );
  });

  it('RFC 2822 with and without weekday, numeric and GMT zones', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, fc.boolean(), fc.boolean(), (utc, rawOffset, weekday, named) => {
        const offset = named ? 0 : rawOffset;
        const local = utc + offset * 60_000;
        fc.pre(local >= MIN_MS && local <= MAX_MS);
        const f = fields(local);
        const zone = named ? 'GMT' : offsetText(offset, 1);
        const day = `${f.day} ${MONTHS[f.month]} ${f.year} ${f.time} ${zone}`;
        const text = weekday ? `${WEEKDAYS[f.weekday]}, ${day}` : day;
        expectParsed(text, utc - f.milli, 'rfc2822');
      }),
      RUNS,
    );
  });

  it('Apache common log time', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, (utc, offset) => {
        const local = utc + offset * 60_000;
        fc.pre(local >= MIN_MS && local <= MAX_MS);
        const f = fields(local);
        const text = `${pad(f.day, 2)}/${MONTHS[f.month]}/${f.year}:${f.time} ${offsetText(offset, 1)}`;
        expectParsed(text, utc - f.milli, 'clf');
      }),
      RUNS,
    );
  });
});

describe('formatIsoMs', () => {
  it('equals Date#toISOString across 0000-9999, including fractional input', () => {
    fc.assert(
      fc.property(instant, fc.double({ min: 0, max: 0.999, noNaN: true }), (ms, sub) => {
        assert.equal(formatIsoMs(ms), new Date(ms).toISOString());
        // The sum may round up to the next integer in floating point; what matters is flooring it.
        const fractional = ms + sub;
        assert.equal(formatIsoMs(fractional), new Date(Math.floor(fractional)).toISOString());
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('robustness', () => {
  it('never throws, whatever the input', () => {
    const timestampish = fc.stringMatching(/^[0-9TZtz:.,+\-/ eE[\]a-zA-Z]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), timestampish, fc.double()), (input) => {
        const result = tryParseTimestamp(input);
        if (isTimestampFailure(result)) {
          assert.match(result.code, /^TS_/);
        } else {
          assert.equal(result.iso, new Date(result.epochMs).toISOString());
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
