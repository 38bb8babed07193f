import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRecord, type RawRecord } from '../../src/events/decode.ts';

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
