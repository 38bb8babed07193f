import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../../src/errors/index.ts';
import {
  formatIsoMs,
  isTimestampFailure,
  parseTimestamp,
  TIMESTAMP_ERROR_CODES,
  type TimestampErrorCode,
  type TimestampFormat,
  tryParseTimestamp,
} from '../../../../src/events/timestamp/index.ts';

type Vector =
  | { input: unknown; iso: string; format: TimestampFormat; note?: string }
  | { input: unknown; code: TimestampErrorCode; note?: string };

const ok = (input: unknown, iso: string, format: TimestampFormat, note?: string): Vector => ({
  input,
  iso,
  format,
  note,
});
const bad = (input: unknown, code: TimestampErrorCode, note?: string): Vector => ({ input, code, note });

const EPOCHS: Vector[] = [
  ok(1726668850124, '2024-09-18T14:14:10.124Z', 'epoch_ms', 'the seed example'),
  ok(10000000000, '2286-11-20T17:46:40.000Z', 'epoch_s', '11 digits are still seconds'),
  ok(99999999999, '5138-11-16T09:46:39.000Z', 'epoch_s', 'largest 11-digit'),
  ok(100000000000, '1973-03-03T09:46:40.000Z', 'epoch_ms', 'smallest 12-digit'),
  ok('99999999999', '5138-11-16T09:46:39.000Z', 'epoch_s'),
  ok('100000000000', '1973-03-03T09:46:40.000Z', 'epoch_ms'),
  ok(99999999999999, '5138-11-16T09:46:39.999Z', 'epoch_ms', 'largest 14-digit'),
  ok(100000000000000, '1973-03-03T09:46:40.000Z', 'epoch_us', 'smallest 15-digit'),
  ok('99999999999999', '5138-11-16T09:46:39.999Z', 'epoch_ms'),
  ok('100000000000000', '1973-03-03T09:46:40.000Z', 'epoch_us'),
  ok('99999999999999999', '5138-11-16T09:46:39.999Z', 'epoch_us', 'largest 17-digit'),
  ok('100000000000000000', '1973-03-03T09:46:40.000Z', 'epoch_ns', 'smallest 18-digit'),
  ok(1e17, '1973-03-03T09:46:40.000Z', 'epoch_ns'),
  ok('99999999999999999999', '5138-11-16T09:46:39.999Z', 'epoch_ns', 'largest 20-digit'),
  bad('100000000000000000000', 'TS_TOO_MANY_DIGITS', 'smallest 21-digit'),
  bad(1e20, 'TS_TOO_MANY_DIGITS'),
  bad(-1e25, 'TS_TOO_MANY_DIGITS'),
  ok(0, '1970-01-01T00:00:00.000Z', 'epoch_s'),
  ok('0', '1970-01-01T00:00:00.000Z', 'epoch_s'),
  ok(-0, '1970-01-01T00:00:00.000Z', 'epoch_s'),
  ok('-00000', '1970-01-01T00:00:00.000Z', 'epoch_s'),
  ok(-1, '1969-12-31T23:59:59.000Z', 'epoch_s'),
  ok('-1', '1969-12-31T23:59:59.000Z', 'epoch_s'),
  ok('+1726668850', '2024-09-18T14:14:10.000Z', 'epoch_s'),
  ok('0001726668850124', '2024-09-18T14:14:10.124Z', 'epoch_ms', 'leading zeros do not count'),
  ok('00000000000000000000001726668850', '2024-09-18T14:14:10.000Z', 'epoch_s'),
  ok('-0001726668850124', '1915-04-15T09:45:49.876Z', 'epoch_ms'),
  ok('20240918', '1970-08-23T06:28:38.000Z', 'epoch_s', 'never YYYYMMDD'),
  ok(253402300799, '1978-01-11T21:31:40.799Z', 'epoch_ms', '12 digits are ms even if meant as s'),
  ok('1726668850.124', '2024-09-18T14:14:10.124Z', 'epoch_s'),
  ok(1726668850.124, '2024-09-18T14:14:10.124Z', 'epoch_s', 'double is .12399983 but means .124'),
  ok(1726668850.1234567, '2024-09-18T14:14:10.123Z', 'epoch_s'),
  ok('1.001', '1970-01-01T00:00:01.001Z', 'epoch_s', 'exact decimal'),
  ok(1.001, '1970-01-01T00:00:01.001Z', 'epoch_s'),
  ok('1.9999', '1970-01-01T00:00:01.999Z', 'epoch_s', 'floored, no carry'),
  ok(1.9999, '1970-01-01T00:00:01.999Z', 'epoch_s'),
  ok(0.001, '1970-01-01T00:00:00.001Z', 'epoch_s'),
  ok(1e-7, '1970-01-01T00:00:00.000Z', 'epoch_s', 'String() uses exponent form'),
  ok(-1e-7, '1969-12-31T23:59:59.999Z', 'epoch_s'),
  ok('-0.0005', '1969-12-31T23:59:59.999Z', 'epoch_s', 'floor toward -infinity'),
  ok(-0.0005, '1969-12-31T23:59:59.999Z', 'epoch_s'),
  ok('-1.5', '1969-12-31T23:59:58.500Z', 'epoch_s'),
  ok(-1.5, '1969-12-31T23:59:58.500Z', 'epoch_s'),
  ok(-1726668850.1239, '1915-04-15T09:45:49.876Z', 'epoch_s'),
  ok('1726668850124.999', '2024-09-18T14:14:10.124Z', 'epoch_ms'),
  ok(1726668850124.5, '2024-09-18T14:14:10.124Z', 'epoch_ms'),
  ok('1726668850124999', '2024-09-18T14:14:10.124Z', 'epoch_us'),
  ok(1726668850124999, '2024-09-18T14:14:10.124Z', 'epoch_us'),
  ok('-1726668850124999', '1915-04-15T09:45:49.875Z', 'epoch_us', 'negative floors down'),
  ok(-1726668850124999, '1915-04-15T09:45:49.875Z', 'epoch_us'),
  ok('1726668850124999999', '2024-09-18T14:14:10.124Z', 'epoch_ns'),
  ok('1726668850124999999.9', '2024-09-18T14:14:10.124Z', 'epoch_ns'),
  ok(Number('1726668850124123456'), '2024-09-18T14:14:10.124Z', 'epoch_ns', 'beyond 2^53: String(n) digits'),
  ok('-62167219200', '0000-01-01T00:00:00.000Z', 'epoch_s', 'first instant of year 0000'),
  bad('-62167219200.001', 'TS_OUT_OF_RANGE'),
  bad('-62167219201', 'TS_OUT_OF_RANGE'),
  ok(-62167219200000, '0000-01-01T00:00:00.000Z', 'epoch_ms'),
  bad(-62167219200001, 'TS_OUT_OF_RANGE'),
  bad(-99999999999999, 'TS_OUT_OF_RANGE'),
  ok('0'.repeat(1000) + '1', '1970-01-01T00:00:01.000Z', 'epoch_s', 'huge run of leading zeros'),
  ok('1.' + '0'.repeat(1000) + '1', '1970-01-01T00:00:01.000Z', 'epoch_s', 'huge fraction'),
  bad('1'.repeat(1000), 'TS_TOO_MANY_DIGITS', 'huge digit string'),
  bad('1e12', 'TS_EXPONENT'),
  bad('1.5E3', 'TS_EXPONENT'),
  bad('1726668850124e0', 'TS_EXPONENT'),
  bad('-1e3', 'TS_EXPONENT'),
  bad(Number.NaN, 'TS_NOT_FINITE'),
  bad(Number.POSITIVE_INFINITY, 'TS_NOT_FINITE'),
  bad(Number.NEGATIVE_INFINITY, 'TS_NOT_FINITE'),
  bad('.5', 'TS_UNRECOGNIZED'),
  bad('5.', 'TS_UNRECOGNIZED'),
  bad('-', 'TS_UNRECOGNIZED'),
  bad('+', 'TS_UNRECOGNIZED'),
  bad('--1', 'TS_UNRECOGNIZED'),
  bad('1.2.3', 'TS_UNRECOGNIZED'),
  bad('1726668850 124', 'TS_UNRECOGNIZED'),
  bad('0x1F', 'TS_UNRECOGNIZED'),
  bad('1_000', 'TS_UNRECOGNIZED'),
];

const ISO: Vector[] = [
  ok('2024-09-18T14:14:10.124', '2024-09-18T14:14:10.124Z', 'iso8601', 'no zone means UTC'),
  ok('2024-09-18 14:14:10', '2024-09-18T14:14:10.000Z', 'iso8601', 'space separator'),
  ok('2024-09-18T14:14:10.124Z', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18t14:14:10.124z', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T16:14:10.124+02:00', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T16:14:10.124+0200', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T16:14:10.124+02', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T09:14:10.124-05:00', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T19:44:10.124+05:30', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-18T14:14:10.124-00:00', '2024-09-18T14:14:10.124Z', 'iso8601'),
  ok('2024-09-19T00:14:10+10', '2024-09-18T14:14:10.000Z', 'iso8601', 'offset crosses midnight'),
  ok('2024-09-18T14:14:10,124Z', '2024-09-18T14:14:10.124Z', 'iso8601', 'decimal comma'),
  ok('2024-09-18', '2024-09-18T00:00:00.000Z', 'iso8601'),
  ok('2024-09-18T14:14', '2024-09-18T14:14:00.000Z', 'iso8601'),
  ok('2024-09-18 14:14Z', '2024-09-18T14:14:00.000Z', 'iso8601'),
  ok('2024-09-18T14:14+01:00', '2024-09-18T13:14:00.000Z', 'iso8601'),
  ok('2024-09-18T14:14:10.1', '2024-09-18T14:14:10.100Z', 'iso8601'),
  ok('2024-09-18T14:14:10.12', '2024-09-18T14:14:10.120Z', 'iso8601'),
  ok('2024-09-18T23:59:59.9999Z', '2024-09-18T23:59:59.999Z', 'iso8601', 'no carry into next second'),
  ok('2024-12-31T23:59:59.999999999Z', '2024-12-31T23:59:59.999Z', 'iso8601', 'nine digits'),
  bad('2024-09-18T23:59:59.9999999999Z', 'TS_TOO_MANY_DIGITS', 'ten fraction digits'),
  ok('2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z', 'iso8601', 'leap second clamps'),
  ok('2016-12-31T23:59:60.5Z', '2016-12-31T23:59:59.500Z', 'iso8601', 'leap second keeps fraction'),
  ok('2016-12-31T18:59:60-05:00', '2016-12-31T23:59:59.000Z', 'iso8601'),
  bad('2024-09-18T14:14:61', 'TS_IMPOSSIBLE_DATE'),
  bad('2024-09-18T24:00:00', 'TS_IMPOSSIBLE_DATE', 'hour 24'),
  bad('2024-09-18T24:00', 'TS_IMPOSSIBLE_DATE'),
  bad('2024-09-18T14:60', 'TS_IMPOSSIBLE_DATE'),
  bad('2023-02-29', 'TS_IMPOSSIBLE_DATE'),
  ok('2024-02-29', '2024-02-29T00:00:00.000Z', 'iso8601'),
  bad('1900-02-29', 'TS_IMPOSSIBLE_DATE', 'century rule'),
  ok('2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z', 'iso8601', '400-year rule'),
  bad('2024-04-31', 'TS_IMPOSSIBLE_DATE'),
  bad('2024-13-01', 'TS_IMPOSSIBLE_DATE'),
  bad('2024-00-10', 'TS_IMPOSSIBLE_DATE'),
  bad('2024-09-00', 'TS_IMPOSSIBLE_DATE'),
  ok('0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z', 'iso8601', 'year 0000'),
  ok('0000-02-29', '0000-02-29T00:00:00.000Z', 'iso8601', 'year 0 is a leap year'),
  ok('0050-06-15T12:00:00Z', '0050-06-15T12:00:00.000Z', 'iso8601', 'no two-digit-year trap'),
  ok('0099-12-31T23:59:59.999Z', '0099-12-31T23:59:59.999Z', 'iso8601', 'year 0099'),
  ok('0100-03-01', '0100-03-01T00:00:00.000Z', 'iso8601'),
  ok('1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', 'iso8601'),
  ok('9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', 'iso8601', 'year 9999'),
  bad('9999-12-31T23:59:59.999-00:01', 'TS_OUT_OF_RANGE', 'offset pushes into 10000'),
  bad('0000-01-01T00:00:00+00:01', 'TS_OUT_OF_RANGE', 'offset pushes before 0000'),
  ok('0000-01-01T00:30:00+00:30', '0000-01-01T00:00:00.000Z', 'iso8601'),
  bad('10000-01-01', 'TS_OUT_OF_RANGE'),
  bad('-2024-01-01', 'TS_OUT_OF_RANGE'),
  bad('+12024-01-01', 'TS_OUT_OF_RANGE'),
  bad('2024-09-18T14:14:10+24:00', 'TS_BAD_OFFSET'),
  bad('2024-09-18T14:14:10+02:60', 'TS_BAD_OFFSET'),
  bad('2024-09-18T14:14:10+2', 'TS_BAD_OFFSET'),
  bad('2024-09-18T14:14:10+02:00:00', 'TS_BAD_OFFSET'),
  bad('2024-09-18T14:14:10 +02:00', 'TS_UNRECOGNIZED', 'no space before the offset'),
  bad('2024-09-18T14:14:10ZZ', 'TS_UNRECOGNIZED'),
  bad('2024-9-18', 'TS_UNRECOGNIZED'),
  bad('2024-09-180', 'TS_UNRECOGNIZED'),
  bad('2024-09-18X14:14', 'TS_UNRECOGNIZED'),
  bad('2024-09-18T14', 'TS_UNRECOGNIZED'),
  bad('2024-09-18T1:14', 'TS_UNRECOGNIZED'),
  bad('2024-09-18T14:14:1', 'TS_UNRECOGNIZED'),
  bad('2024-09-18T14:14:10.', 'TS_UNRECOGNIZED'),
  bad('2024-09-18Z', 'TS_UNRECOGNIZED', 'a zone needs a time'),
  bad('2024-09-18T14:14:10.124Z\u0000', 'TS_UNRECOGNIZED'),
];

const MAIL_AND_LOG: Vector[] = [
  ok('Wed, 18 Sep 2024 16:14:10 +0200', '2024-09-18T14:14:10.000Z', 'rfc2822'),
  ok('Wed, 18 Sep 2024 14:14:10 GMT', '2024-09-18T14:14:10.000Z', 'rfc2822'),
  ok('Wed, 18 Sep 2024 14:14:10 UT', '2024-09-18T14:14:10.000Z', 'rfc2822'),
  ok('Wed, 18 Sep 2024 14:14:10 UTC', '2024-09-18T14:14:10.000Z', 'rfc2822'),
  ok('18 Sep 2024 14:14:10 +0000', '2024-09-18T14:14:10.000Z', 'rfc2822', 'weekday is optional'),
  ok('Wed, 18 Sep 2024 14:14 +0000', '2024-09-18T14:14:00.000Z', 'rfc2822', 'seconds are optional'),
  ok('wed, 18 SEP 2024 16:14:10 +0200', '2024-09-18T14:14:10.000Z', 'rfc2822', 'names ignore case'),
  ok('Wed, 18 Sep 2024 10:14:10 EDT', '2024-09-18T14:14:10.000Z', 'rfc2822'),
  ok('Sun, 1 Jan 2023 00:00:00 -0800', '2023-01-01T08:00:00.000Z', 'rfc2822', 'one-digit day'),
  ok('Wed, 18 Sep 2024 14:14:10 +0000 (UTC)', '2024-09-18T14:14:10.000Z', 'rfc2822', 'comment'),
  ok('Wed,  18  Sep  2024  14:14:10  GMT', '2024-09-18T14:14:10.000Z', 'rfc2822', 'folding white space'),
  ok('Sat, 31 Dec 2016 23:59:60 +0000', '2016-12-31T23:59:59.000Z', 'rfc2822', 'leap second'),
  bad('Thu, 18 Sep 2024 16:14:10 +0200', 'TS_WEEKDAY_MISMATCH'),
  bad('Wed, 18 Sep 2024 14:14:10', 'TS_UNRECOGNIZED', 'zone is required'),
  bad('Wed, 18 Sep 24 14:14:10 GMT', 'TS_UNRECOGNIZED', 'two-digit year'),
  bad('Fri, 30 Feb 2024 10:00:00 GMT', 'TS_IMPOSSIBLE_DATE'),
  bad('Wed, 18 Sep 2024 25:00:00 GMT', 'TS_IMPOSSIBLE_DATE'),
  bad('Wed, 18 Sep 2024 14:14:10 XYZ', 'TS_BAD_OFFSET'),
  bad('Wed, 18 Sep 2024 14:14:10 +2400', 'TS_BAD_OFFSET'),
  bad('Wed, 18 Sept 2024 14:14:10 GMT', 'TS_UNRECOGNIZED'),
  bad('Wed 18 Sep 2024 14:14:10 GMT', 'TS_UNRECOGNIZED', 'weekday without comma'),
  bad('18 Sep 14:14:10 GMT', 'TS_NO_YEAR'),
  ok('10/Oct/2000:13:55:36 -0700', '2000-10-10T20:55:36.000Z', 'clf'),
  ok('[10/Oct/2000:13:55:36 -0700]', '2000-10-10T20:55:36.000Z', 'clf', 'inside log brackets'),
  ok('18/Sep/2024:16:14:10 +0200', '2024-09-18T14:14:10.000Z', 'clf'),
  bad('31/Apr/2024:00:00:00 +0000', 'TS_IMPOSSIBLE_DATE'),
  bad('10/Oct/2000:13:55:36', 'TS_UNRECOGNIZED', 'zone is required'),
  bad('10/Oct/2000:13:55:36 -2500', 'TS_BAD_OFFSET'),
  bad('10/Foo/2000:13:55:36 -0700', 'TS_UNRECOGNIZED'),
  bad('[10/Oct/2000:13:55:36 -0700', 'TS_UNRECOGNIZED'),
];

const OTHERS: Vector[] = [
  ok(' 1726668850124 ', '2024-09-18T14:14:10.124Z', 'epoch_ms', 'whitespace around'),
  ok('\t2024-09-18T14:14:10Z\r\n', '2024-09-18T14:14:10.000Z', 'iso8601'),
  ok('\u00a0Wed, 18 Sep 2024 14:14:10 GMT\u3000', '2024-09-18T14:14:10.000Z', 'rfc2822', 'unicode spaces'),
  bad('Oct 11 22:14:15', 'TS_NO_YEAR', 'syslog'),
  bad('October 11 22:14:15', 'TS_NO_YEAR'),
  bad('Oct 11 2024 22:14:15', 'TS_UNRECOGNIZED'),
  bad('03/12/2021', 'TS_AMBIGUOUS'),
  bad('3/12/21', 'TS_AMBIGUOUS'),
  bad('03-12-2021', 'TS_AMBIGUOUS'),
  bad('12.03.2021', 'TS_AMBIGUOUS'),
  bad('2021/03/12', 'TS_UNRECOGNIZED'),
  bad('now', 'TS_UNRECOGNIZED', 'words'),
  bad('yesterday at noon', 'TS_UNRECOGNIZED'),
  bad('NaN', 'TS_UNRECOGNIZED'),
  bad('Infinity', 'TS_UNRECOGNIZED'),
  bad('Wed Sep 18 2024 16:14:10 GMT+0200 (Central European Summer Time)', 'TS_UNRECOGNIZED'),
  bad('20240918T141410Z', 'TS_UNRECOGNIZED', 'ISO basic format'),
  bad('#1', 'TS_UNRECOGNIZED'),
  bad('', 'TS_EMPTY'),
  bad('   ', 'TS_EMPTY'),
  bad('\n\t', 'TS_EMPTY'),
  bad(null, 'TS_TYPE'),
  bad(undefined, 'TS_TYPE'),
  bad(true, 'TS_TYPE'),
  bad({}, 'TS_TYPE'),
  bad([1726668850124], 'TS_TYPE'),
  bad(10n, 'TS_TYPE'),
];

const VECTORS = [...EPOCHS, ...ISO, ...MAIL_AND_LOG, ...OTHERS];

function label(v: Vector): string {
  const shown = typeof v.input === 'string' && v.input.length > 60 ? `${v.input.slice(0, 40)}…` : v.input;
  const text =
    typeof shown === 'bigint'
      ? `${shown}n`
      : typeof shown === 'number'
        ? String(shown)
        : JSON.stringify(shown);
  return `${text}${v.note ? ` (${v.note})` : ''}`;
}

describe('tryParseTimestamp vectors', () => {
  it('has at least 100 vectors', () => assert.ok(VECTORS.length >= 100, `${VECTORS.length}`));
  for (const v of VECTORS) {
    if ('iso' in v) {
      it(`${label(v)} -> ${v.iso}`, () => {
        const result = tryParseTimestamp(v.input);
        assert.deepEqual(result, { epochMs: Date.parse(v.iso), iso: v.iso, format: v.format });
        assert.ok(!Object.is(result.epochMs, -0), 'never -0');
      });
    } else {
      it(`${label(v)} -> ${v.code}`, () => {
        const result = tryParseTimestamp(v.input);
        assert.ok(isTimestampFailure(result), `expected ${v.code}, got ${JSON.stringify(result)}`);
        assert.equal(result.code, v.code, result.message);
        assert.ok(result.message.length > 0);
        assert.ok(result.code in TIMESTAMP_ERROR_CODES);
      });
    }
  }
});

describe('parseTimestamp', () => {
  it('returns the parsed value', () => {
    assert.equal(parseTimestamp('2024-09-18T14:14:10.124Z').epochMs, 1726668850124);
  });
  it('throws a ValidationError carrying the code', () => {
    assert.throws(
      () => parseTimestamp('2023-02-29'),
      (error: unknown) => error instanceof ValidationError && error.code === 'TS_IMPOSSIBLE_DATE',
    );
  });
});

describe('formatIsoMs', () => {
  it('formats the edges of the supported range', () => {
    assert.equal(formatIsoMs(-62167219200000), '0000-01-01T00:00:00.000Z');
    assert.equal(formatIsoMs(253402300799999), '9999-12-31T23:59:59.999Z');
    assert.equal(formatIsoMs(0), '1970-01-01T00:00:00.000Z');
    assert.equal(formatIsoMs(-1), '1969-12-31T23:59:59.999Z');
  });
  it('gets years 0000-0099 right where Date.UTC would shift them to 19xx', () => {
    assert.equal(formatIsoMs(Date.parse('0001-02-03T04:05:06.007Z')), '0001-02-03T04:05:06.007Z');
    assert.equal(formatIsoMs(Date.parse('0099-12-31T23:59:59.999Z')), '0099-12-31T23:59:59.999Z');
  });
  it('floors sub-millisecond input', () => {
    assert.equal(formatIsoMs(1726668850124.9), '2024-09-18T14:14:10.124Z');
    assert.equal(formatIsoMs(-0.5), '1969-12-31T23:59:59.999Z');
  });
  it('defers to Date outside 0000-9999', () => {
    assert.equal(formatIsoMs(253402300800000), '+010000-01-01T00:00:00.000Z');
    assert.throws(() => formatIsoMs(Number.NaN), RangeError);
  });
});

describe('error codes', () => {
  it('documents every code with a description', () => {
    for (const [code, description] of Object.entries(TIMESTAMP_ERROR_CODES)) {
      assert.match(code, /^TS_[A-Z_]+$/);
      assert.ok(description.length > 10);
    }
  });
});
