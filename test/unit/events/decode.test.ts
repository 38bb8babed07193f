import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON } from 'mongodb';
import { decodeRecord, type RawRecord } from '../../../src/events/decode.ts';
import { recordId } from '../../../src/events/index.ts';
import {
  EVENT_FIELDS_BSON_BYTES,
  MAX_RECORD_BYTES_LIMIT,
  MAX_RECORD_DEPTH,
  STORE_MAX_DOCUMENT_BYTES,
} from '../../../src/events/store-limits.ts';
import { toEventDoc } from '../../../src/store/index.ts';

const LIMITS = { maxRecordBytes: 1024, deadLetterValueChars: 40 };
const raw = (value: string | Buffer | null, key: string | null = null): RawRecord => ({
  topic: 'device-events',
  partition: 2,
  offset: 41,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
});

test('a valid record becomes a normalised event with a deterministic id', () => {
  const value =
    '{"timestamp":"2024-09-18 16:14:10.124+02:00","device_ip":"2001:DB8::0:1","error_code":500,"site":"a"}';
  const decoded = decodeRecord(raw(value), LIMITS);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.event, {
    id: 'device-events/2/41',
    topic: 'device-events',
    partition: 2,
    offset: 41,
    ts: Date.UTC(2024, 8, 18, 14, 14, 10, 124),
    ip: '2001:db8::1',
    errorCode: 500,
    extra: { site: 'a' },
    bytes: Buffer.byteLength(value),
  });
});

test('extra fields with names MongoDB cannot store are kept as JSON text', () => {
  const decoded = decodeRecord(
    raw('{"timestamp":1,"device_ip":"1.2.3.4","error_code":0,"a.b":1,"n":{"$x":2}}'),
    LIMITS,
  );
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.event.extra, { json: '{"a.b":1,"n":{"$x":2}}' });
});

test('extra fields holding arrays directly in arrays (FerretDB refuses them) are kept as JSON text', () => {
  const fields = '"timestamp":1,"device_ip":"1.2.3.4","error_code":0';
  const nested = decodeRecord(raw(`{${fields},"m":[[1,2],[3]],"n":1}`), LIMITS);
  assert.ok(nested.ok);
  assert.deepEqual(nested.event.extra, { json: '{"m":[[1,2],[3]],"n":1}' });
  const deeper = decodeRecord(raw(`{${fields},"n":{"a":[{"b":[[1]]}]}}`), LIMITS);
  assert.ok(deeper.ok);
  assert.deepEqual(deeper.event.extra, { json: '{"n":{"a":[{"b":[[1]]}]}}' });
  const between = decodeRecord(raw(`{${fields},"n":{"a":[{"b":[1]}]}}`), LIMITS);
  assert.ok(between.ok);
  assert.deepEqual(
    between.event.extra,
    { n: { a: [{ b: [1] }] } },
    'an object between two arrays is stored as is',
  );
});

const BAD: [string, string | Buffer | null, string][] = [
  ['no value', null, 'EMPTY'],
  ['empty value', '', 'EMPTY'],
  ['oversized', `{"x":"${'a'.repeat(2000)}"}`, 'OVERSIZED'],
  ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'INVALID_UTF8'],
  ['not JSON', '{"timestamp":', 'NOT_JSON'],
  ['JSON array', '[]', 'NOT_OBJECT'],
  ['JSON null', 'null', 'NOT_OBJECT'],
  ['JSON string', '"x"', 'NOT_OBJECT'],
  ['missing timestamp', '{"device_ip":"1.2.3.4","error_code":0}', 'MISSING_FIELD'],
  ['missing device_ip', '{"timestamp":1,"error_code":0}', 'MISSING_FIELD'],
  ['missing error_code', '{"timestamp":1,"device_ip":"1.2.3.4"}', 'MISSING_FIELD'],
  ['octal-looking IPv4', '{"timestamp":1,"device_ip":"010.1.1.1","error_code":0}', 'INVALID_IP'],
  ['IP as number', '{"timestamp":1,"device_ip":16909060,"error_code":0}', 'INVALID_IP'],
  ['IPv6 with zone', '{"timestamp":1,"device_ip":"fe80::1%eth0","error_code":0}', 'INVALID_IP'],
  ['error_code string', '{"timestamp":1,"device_ip":"1.2.3.4","error_code":"500"}', 'INVALID_ERROR_CODE'],
  ['error_code fraction', '{"timestamp":1,"device_ip":"1.2.3.4","error_code":1.5}', 'INVALID_ERROR_CODE'],
  ['error_code null', '{"timestamp":1,"device_ip":"1.2.3.4","error_code":null}', 'INVALID_ERROR_CODE'],
  ['impossible date', '{"timestamp":"2023-02-29","device_ip":"1.2.3.4","error_code":0}', 'TS_'],
  ['timestamp bool', '{"timestamp":true,"device_ip":"1.2.3.4","error_code":0}', 'TS_'],
  ['exponent', '{"timestamp":"1e10","device_ip":"1.2.3.4","error_code":0}', 'TS_'],
];

for (const [name, value, reason] of BAD) {
  test(`dead letter: ${name} -> ${reason}`, () => {
    const decoded = decodeRecord(raw(value, 'k'), LIMITS);
    assert.equal(decoded.ok, false);
    if (decoded.ok) return;
    const d = decoded.deadLetter;
    assert.ok(d.reason.startsWith(reason), `${d.reason} starts with ${reason}`);
    assert.ok(d.message.length > 0);
    assert.equal(d.id, 'device-events/2/41');
    assert.equal(d.key, 'k');
    assert.ok(d.value.length <= LIMITS.deadLetterValueChars, 'value text is cut to the bound');
  });
}

/** A valid record whose extra field `payload` nests `levels` containers of `open` around a 1. */
function nestedRecord(levels: number, open: '[' | '{'): string {
  const [head, tail] = open === '[' ? ['[', ']'] : ['{"a":', '}'];
  return `{"timestamp":1,"device_ip":"1.2.3.4","error_code":0,"payload":${head.repeat(levels)}1${tail.repeat(levels)}}`;
}

const WIDE = { maxRecordBytes: 1024 * 1024, deadLetterValueChars: 40 };

for (const open of ['[', '{'] as const) {
  test(`a record ${open} nested thousands of levels deep is a TOO_DEEP dead letter, not a stack overflow`, () => {
    for (const levels of [5_000, 100_000]) {
      const decoded = decodeRecord(raw(nestedRecord(levels, open)), WIDE);
      assert.equal(decoded.ok, false, `${levels} levels`);
      if (!decoded.ok) assert.equal(decoded.deadLetter.reason, 'TOO_DEEP');
    }
  });

  test(`${open} nesting: a record of MAX_RECORD_DEPTH levels is stored, one more is TOO_DEEP`, () => {
    // The record object is level 1, so its field `payload` may nest MAX_RECORD_DEPTH - 1 levels.
    const deepest = decodeRecord(raw(nestedRecord(MAX_RECORD_DEPTH - 1, open)), WIDE);
    assert.ok(deepest.ok, 'at the bound');
    const over = decodeRecord(raw(nestedRecord(MAX_RECORD_DEPTH, open)), WIDE);
    assert.equal(over.ok, false, 'one past the bound');
    if (!over.ok) {
      assert.equal(over.deadLetter.reason, 'TOO_DEEP');
      assert.match(over.deadLetter.message, new RegExp(`deeper than ${MAX_RECORD_DEPTH} levels`));
    }
  });
}

test('a deeply nested known field is TOO_DEEP too (its dead-letter message must not recurse into it)', () => {
  for (const field of ['device_ip', 'error_code', 'timestamp']) {
    const fields: Record<string, string> = { timestamp: '1', device_ip: '"1.2.3.4"', error_code: '0' };
    fields[field] = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const value = `{${Object.entries(fields)
      .map(([k, v]) => `"${k}":${v}`)
      .join(',')}}`;
    const decoded = decodeRecord(raw(value), WIDE);
    assert.equal(decoded.ok, false, field);
    if (!decoded.ok) assert.equal(decoded.deadLetter.reason, 'TOO_DEEP', field);
  }
});

test('a record whose stored form exceeds the store document limit is OVERSIZED, saying BSON size', () => {
  // An array of small numbers grows about six times from JSON (2 bytes each) to BSON (1 type byte,
  // the index as a name, 4 bytes of int32): 3 MB of JSON here stores as about 18 MB.
  const limits = { maxRecordBytes: MAX_RECORD_BYTES_LIMIT, deadLetterValueChars: 40 };
  const zeros = (n: number): string =>
    `{"timestamp":1,"device_ip":"1.2.3.4","error_code":0,"samples":[${'0,'.repeat(n - 1)}0]}`;
  const over = decodeRecord(raw(zeros(1_500_000)), limits);
  assert.equal(over.ok, false);
  if (!over.ok) {
    assert.equal(over.deadLetter.reason, 'OVERSIZED');
    assert.match(over.deadLetter.message, /BSON/);
    assert.match(over.deadLetter.message, new RegExp(`${STORE_MAX_DOCUMENT_BYTES}`));
  }
  const under = decodeRecord(raw(zeros(1_000_000)), limits);
  assert.ok(under.ok, 'about 12 MB of BSON is stored');
});

test('EVENT_FIELDS_BSON_BYTES covers every stored event field besides `extra`, for the longest topic', () => {
  const topic = 't'.repeat(249);
  const extra = { site: 'lab', samples: [1, 2, 3] };
  const event = {
    id: recordId(topic, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER),
    topic,
    partition: 2 ** 31 - 1,
    offset: Number.MAX_SAFE_INTEGER,
    ts: Date.now(),
    ip: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    errorCode: Number.MAX_SAFE_INTEGER,
    extra,
    bytes: 1,
  };
  const stored = BSON.calculateObjectSize(toEventDoc(event, new Date()));
  assert.ok(stored <= BSON.calculateObjectSize(extra) + EVENT_FIELDS_BSON_BYTES, `${stored} bytes`);
});

test('every field of a dead letter is bounded, whatever the record holds', () => {
  // A device_ip that is most of a value near the largest MAX_RECORD_BYTES, a key of megabytes,
  // and an error code that is a huge array: the message quotes them, the dead letter keeps them.
  const limits = { maxRecordBytes: MAX_RECORD_BYTES_LIMIT, deadLetterValueChars: 4096 };
  const hugeIp = 'x'.repeat(4 * 1024 * 1024);
  const key = 'k'.repeat(3 * 1024 * 1024);
  const cases = [
    JSON.stringify({ timestamp: 1, device_ip: hugeIp, error_code: 1 }),
    JSON.stringify({
      timestamp: 1,
      device_ip: '10.0.0.1',
      error_code: Array.from({ length: 200_000 }, () => 7),
    }),
    JSON.stringify({ timestamp: hugeIp, device_ip: '10.0.0.1', error_code: 1 }),
  ];
  for (const value of cases) {
    const decoded = decodeRecord(raw(value, key), limits);
    assert.ok(!decoded.ok, 'a dead letter');
    const d = decoded.deadLetter;
    assert.ok(d.message.length <= 1000, `message of ${d.reason}: ${d.message.length} chars`);
    assert.ok((d.key ?? '').length <= 1024, `key of ${d.reason}: ${(d.key ?? '').length} chars`);
    assert.ok(d.value.length <= 4096, `value of ${d.reason}`);
    const doc = { _id: d.id, ...d, at: new Date() };
    assert.ok(BSON.calculateObjectSize(doc) < 64 * 1024, `${d.reason}: a small document`);
  }
});
