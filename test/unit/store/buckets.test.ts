import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON } from 'bson';
import { type DeviceEvent, recordId } from '../../../src/events/index.ts';
import {
  BUCKET_BYTES,
  BUCKET_EVENTS,
  bucketEvents,
  bucketsOf,
  toBucketEvent,
} from '../../../src/store/buckets.ts';

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
    buckets.map((b) => [b._id, b.from, b.to, b.offset.length]),
    [
      ['b:t/1/0', 0, 9, 10],
      ['b:t/0/0', 0, 999, 1000],
      ['b:t/0/1000', 1000, 1999, 1000],
      ['b:t/0/2000', 2000, 2499, 500],
    ],
  );
  assert.deepEqual(
    buckets[1]!.offset,
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('bucketsOf: a bucket passes BUCKET_BYTES only with its first event', () => {
  const big = { blob: 'x'.repeat(300 * 1024) };
  const events = Array.from({ length: 8 }, (_, i) => event(0, i, big));
  const buckets = bucketsOf(events, new Date(0));
  const perBucket = Math.floor(BUCKET_BYTES / BSON.calculateObjectSize(toBucketEvent(events[0]!)));
  assert.equal(buckets[0]!.offset.length, perBucket);
  assert.equal(
    buckets.reduce((n, b) => n + b.offset.length, 0),
    8,
  );
  for (const b of buckets) assert.equal(b.to - b.from + 1, b.offset.length);
});

test('a bucket keeps an array per field, and gives back the events it was made of', () => {
  const events = [event(0, 3), event(0, 1, { site: 'lab' }), event(0, 2)];
  const [bucket] = bucketsOf(events, new Date(0));
  assert.deepEqual(bucket!.offset, [1, 2, 3]);
  assert.deepEqual(bucket!.ip, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.deepEqual(bucket!.extra, [{ site: 'lab' }, null, null], 'null keeps the positions');
  assert.equal(bucket!.events, undefined);
  const sorted = [...events].sort((a, b) => a.offset - b.offset);
  assert.deepEqual(bucketEvents(bucket!), sorted.map(toBucketEvent));
  const plain = bucketsOf([event(0, 5)], new Date(0))[0]!;
  assert.equal('extra' in plain, false, 'no extra array when no event has extra fields');
  assert.deepEqual(bucketEvents(plain), [toBucketEvent(event(0, 5))]);
});

test('bucketEvents reads a bucket that holds its events as objects', () => {
  const events = [event(0, 0), event(0, 1, { site: 'lab' })].map(toBucketEvent);
  assert.deepEqual(bucketEvents({ events }), events);
});
