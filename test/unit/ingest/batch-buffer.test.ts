import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceEvent } from '../../../src/events/index.ts';
import {
  BatchBuffer,
  RECORD_OVERHEAD_BYTES,
  offsetsIn,
  withoutPartitions,
} from '../../../src/ingest/batch-buffer.ts';
import { eventAt } from '../../support/events.ts';

function event(partition: number, offset: number, bytes = 100): { ok: true; event: DeviceEvent } {
  return { ok: true, event: eventAt(partition, offset, { bytes }) };
}

test('take hands over the oldest records within the limits, with per-partition reach', () => {
  const buffer = new BatchBuffer();
  for (let i = 0; i < 10; i++) buffer.add(event(i % 2, 100 + i), 3, 1000 + i);
  buffer.add(
    {
      ok: false,
      deadLetter: {
        id: 't/0/110',
        topic: 't',
        partition: 0,
        offset: 110,
        reason: 'NOT_JSON',
        message: 'x',
        key: null,
        value: 'x',
        valueBytes: 1,
        bytes: 1,
      },
    },
    4,
    1010,
  );
  assert.equal(buffer.count, 11);
  assert.equal(buffer.bytes, 1001);
  assert.equal(buffer.footprint, 1001 + 11 * RECORD_OVERHEAD_BYTES, 'memory bound counts each record');
  assert.equal(buffer.oldestAgeMs(1500), 500);

  const first = buffer.take(4);
  assert.equal(first.count, 4);
  assert.equal(first.bytes, 400);
  assert.equal(buffer.footprint, 601 + 7 * RECORD_OVERHEAD_BYTES, 'taken records leave the bound');
  assert.deepEqual(first.positions, [
    { topic: 't', partition: 0, offset: 102, leaderEpoch: 3 },
    { topic: 't', partition: 1, offset: 103, leaderEpoch: 3 },
  ]);
  assert.equal(buffer.oldestAgeMs(1500), 496, 'the age now counts from the oldest record left');

  const second = buffer.take(Infinity, 250);
  assert.equal(second.count, 2, 'stops before the byte limit would be passed');

  const rest = buffer.take();
  assert.equal(rest.count, 5);
  assert.equal(rest.deadLetters.length, 1);
  assert.deepEqual(
    rest.positions.find((p) => p.partition === 0),
    { topic: 't', partition: 0, offset: 110, leaderEpoch: 4 },
  );
  assert.equal(buffer.count, 0);
  assert.equal(buffer.bytes, 0);
});

test('a record larger than the byte limit still goes, alone', () => {
  const buffer = new BatchBuffer();
  buffer.add(event(0, 1, 5000), 0, 0);
  buffer.add(event(0, 2, 10), 0, 0);
  assert.equal(buffer.take(Infinity, 100).count, 1);
});

test('long runs of takes keep the buffer compact and in order', () => {
  const buffer = new BatchBuffer();
  let next = 0;
  let taken = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 50; i++) buffer.add(event(0, next++), 0, round);
    const batch = buffer.take(40);
    for (const e of batch.events) assert.equal(e.offset, taken++);
  }
  assert.equal(buffer.count, next - taken);
});

test('records of partitions that moved away can be dropped, the rest kept in order', () => {
  const buffer = new BatchBuffer();
  for (let i = 0; i < 9; i++) buffer.add(event(i % 3, i), 1, 1000 + i);
  buffer.take(2); // offsets 0 and 1 are in flight
  // Partition 2 holds offsets 2, 5 and 8, all still buffered.
  assert.equal(
    buffer.dropWhere((_topic, partition) => partition === 2),
    3,
  );
  const rest = buffer.take();
  assert.deepEqual(
    rest.events.map((e) => e.offset),
    [3, 4, 6, 7],
  );
  assert.equal(buffer.count, 0);
  assert.equal(buffer.bytes, 0);
});

test("a batch can be read per partition and left without some partitions' records", () => {
  const buffer = new BatchBuffer();
  for (let i = 0; i < 9; i++) buffer.add(event(i % 3, i, 10 + i), 1, 1000 + i);
  const batch = buffer.take();
  assert.deepEqual(offsetsIn(batch, batch.events[0]!.topic, 1), [1, 4, 7]);

  const rest = withoutPartitions(batch, (_topic, partition) => partition === 1);
  assert.deepEqual(
    rest.events.map((e) => e.offset),
    [0, 2, 3, 5, 6, 8],
  );
  assert.equal(rest.count, 6);
  assert.equal(rest.bytes, 10 + 12 + 13 + 15 + 16 + 18);
  assert.deepEqual(
    rest.positions.map((p) => [p.partition, p.offset]),
    [
      [0, 6],
      [2, 8],
    ],
  );
});

test('the footprint counts what arrived with a record, key and headers too, not its value alone', () => {
  const buffer = new BatchBuffer();
  const empty = {
    ok: false as const,
    deadLetter: {
      id: 't/0/1',
      topic: 't',
      partition: 0,
      offset: 1,
      reason: 'EMPTY',
      message: 'the record has no value',
      key: 'k'.repeat(1024),
      value: '',
      valueBytes: 0,
      bytes: 0,
    },
  };
  // A 1 MiB key and 64 KiB of headers with an empty value.
  buffer.add(empty, 0, 0, 1024 * 1024 + 64 * 1024);
  assert.ok(buffer.footprint >= 1024 * 1024 + 64 * 1024, `footprint ${buffer.footprint}`);
  assert.equal(buffer.bytes, 0, 'the flush policy still sizes batches by value bytes');
});

test('take stops at a footprint bound, counting keys as fetched, and always takes one record', () => {
  const buffer = new BatchBuffer();
  // Small values, but every third record arrived with a key of 10 kB.
  for (let i = 0; i < 30; i++) buffer.add(event(0, i, 100), 1, 1000, i % 3 === 0 ? 10_100 : 100);
  const before = buffer.footprint;
  const batch = buffer.take(Infinity, Infinity, 25_000);
  const taken = before - buffer.footprint;
  assert.ok(taken <= 25_000, `took ${taken} of footprint past a 25,000 bound`);
  assert.equal(batch.count, 6, 'two keyed records and four small ones fit; the seventh is keyed');
  assert.equal(buffer.take(Infinity, Infinity, 1).count, 1, 'a bound below one record still takes it');
});
