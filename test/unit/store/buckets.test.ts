import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON } from 'bson';
import { type DeviceEvent, recordId } from '../../../src/events/index.ts';
import { BUCKET_BYTES, BUCKET_EVENTS, bucketsOf, toBucketEvent } from '../../../src/store/buckets.ts';

function event(partition: number, offset: number, extra?: Record<string, unknown>): DeviceEvent {
  return {
    id: recordId('t', partition, offset),
    topic: 't',
    partition,
    offset,
    ts: 1_726_000_000_000 + offset,
    ip: `10.0.0.${offset % 200}`,
    errorCode: 500,
    bytes: 80,
    ...(extra === undefined ? {} : { extra }),
  };
}

test('bucketsOf: per partition, in offset order, at most BUCKET_EVENTS events a bucket', () => {
  const events = [
    ...Array.from({ length: 10 }, (_, i) => event(1, 9 - i)),
    ...Array.from({ length: 2 * BUCKET_EVENTS + 500 }, (_, i) => event(0, i)).reverse(),
  ];
  const buckets = bucketsOf(events, new Date(0));
  assert.deepEqual(
    buckets.map((b) => [b._id, b.from, b.to, b.events.length]),
    [
      ['b:t/1/0', 0, 9, 10],
      ['b:t/0/0', 0, 999, 1000],
      ['b:t/0/1000', 1000, 1999, 1000],
      ['b:t/0/2000', 2000, 2499, 500],
    ],
  );
  assert.deepEqual(
    buckets[1]!.events.map((e) => e.offset),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('bucketsOf: a bucket passes BUCKET_BYTES only with its first event', () => {
  const big = { blob: 'x'.repeat(300 * 1024) };
  const events = Array.from({ length: 8 }, (_, i) => event(0, i, big));
  const buckets = bucketsOf(events, new Date(0));
  const perBucket = Math.floor(BUCKET_BYTES / BSON.calculateObjectSize(toBucketEvent(events[0]!)));
  assert.equal(buckets[0]!.events.length, perBucket);
  assert.equal(
    buckets.reduce((n, b) => n + b.events.length, 0),
    8,
  );
  for (const b of buckets) assert.equal(b.to - b.from + 1, b.events.length);
});
