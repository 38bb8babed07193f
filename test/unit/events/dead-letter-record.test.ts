import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRecord, recoverRecord } from '../../../src/events/index.ts';

const LIMITS = { maxRecordBytes: 65_536, deadLetterValueChars: 16 };
const at = { topic: 't', partition: 2, offset: 9 };

test('a dead letter that kept its whole value gives back the record it was made from', () => {
  for (const value of [Buffer.from('{"a":"é"}'), Buffer.from([0xff, 0xfe, 0x00, 0x41])]) {
    const decoded = decodeRecord({ ...at, key: Buffer.from('k'), value }, LIMITS);
    assert.equal(decoded.ok, false);
    if (decoded.ok) return;
    const recovered = recoverRecord(decoded.deadLetter);
    assert.ok(recovered.ok);
    assert.deepEqual(recovered.record, { ...at, key: Buffer.from('k'), value });
  }
});

test('a dead letter whose value was cut short cannot be replayed', () => {
  const value = Buffer.from(`not json ${'x'.repeat(40)}`);
  const decoded = decodeRecord({ ...at, key: null, value }, LIMITS);
  assert.ok(!decoded.ok);
  const recovered = recoverRecord(decoded.deadLetter);
  assert.deepEqual(recovered, {
    ok: false,
    message: `the dead letter keeps 16 of the value's ${value.length} bytes`,
  });
  // Cut inside a two-byte character: the bytes kept differ from the original's too.
  const cut = recoverRecord({ ...decoded.deadLetter, value: 'é'.repeat(8), valueBytes: 17 });
  assert.equal(cut.ok, false);
});

test("a record the store refused is replayed from its decoded fields, whatever the original's size", () => {
  const value = '{"timestamp":"2024-09-18T14:00:00.000Z","device_ip":"10.0.0.1","error_code":5}';
  const recovered = recoverRecord({ ...at, reason: 'STORE_REJECTED', key: null, value, valueBytes: 9000 });
  assert.ok(recovered.ok);
  assert.equal(recovered.record.value?.toString(), value);
});
