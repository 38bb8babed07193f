import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DeviceEvent } from '../../src/events/event.ts';
import { deviceDelta, freshEntries, groupByBucket, groupByDevice } from '../../src/store/rollup-plan.ts';

function event(partition: number, offset: number, ip: string, ts: number, errorCode = 0): DeviceEvent {
  return { id: `t/${partition}/${offset}`, topic: 't.x', partition, offset, ts, ip, errorCode, bytes: 10 };
}

test('freshEntries keeps offsets above the guard, each once, in order', () => {
  const entries = [7, 3, 9, 7, 5].map((offset) => ({ offset }));
  assert.deepEqual(freshEntries(entries, 4), [{ offset: 5 }, { offset: 7 }, { offset: 9 }]);
  assert.deepEqual(freshEntries(entries, 9), []);
});

test('groupByDevice splits by IP and partition key (dots in topics made field-safe)', () => {
  const groups = groupByDevice([event(0, 1, 'a', 10), event(1, 1, 'a', 20), event(0, 2, 'b', 30)]);
  assert.deepEqual([...groups.keys()], ['a', 'b']);
  assert.deepEqual([...groups.get('a')!.keys()], ['t_x~0', 't_x~1']);
});

test('deviceDelta sums only what the guard has not seen', () => {
  const entries = [
    { offset: 1, ts: 100, code: 500 },
    { offset: 4, ts: 50, code: 404 },
    { offset: 6, ts: 300, code: 500 },
  ];
  assert.deepEqual(deviceDelta(entries, 1), {
    events: 2,
    firstSeen: 50,
    lastSeen: 300,
    codes: { 404: 1, 500: 1 },
    maxOffset: 6,
  });
  assert.equal(deviceDelta(entries, 6), null);
});

test('groupByBucket puts events in the bucket of their own time', () => {
  const groups = groupByBucket(
    [event(0, 1, 'a', 59_999), event(0, 2, 'a', 60_000), event(0, 3, 'b', 60_001)],
    60_000,
  );
  assert.deepEqual(
    [...groups.values()].map((g) => [g.start, g.entries.length]),
    [
      [0, 1],
      [60_000, 2],
    ],
  );
});

test('property: applying any sequence of overlapping, replayed batches through the guard counts each offset once', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(20)), { minLength: 1, maxLength: 30 }), (batches) => {
      // A log of 71 records of one device; batches are arbitrary [start, start+len] windows read
      // in any order, as replays and rebalances produce. Each window applied as the store would.
      let hw = -1;
      let applied = 0;
      const log = Array.from({ length: 71 }, (_, offset) => ({ offset, ts: offset, code: 0 }));
      for (const [start, len] of batches.sort((x, y) => x[0] - y[0])) {
        const d = deviceDelta(log.slice(start, start + len + 1), hw);
        if (d === null || start > hw + 1) continue; // a window past a gap is never formed by a consumer
        applied += d.events;
        hw = d.maxOffset;
      }
      assert.equal(applied, hw + 1);
    }),
  );
});
