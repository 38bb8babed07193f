import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PARTITION_POLICY, PartitionPolicy } from '../../../src/scaling/partition-policy.ts';

const options = { ...DEFAULT_PARTITION_POLICY, maxPartitions: 32, partitionCapacity: 1000 };

/** Feeds a steady rate (records/s), one observation per second, applying each decision. */
function feed(policy: PartitionPolicy, partitions: number, rate: number, seconds: number, lag = 0) {
  const decisions = [];
  for (let t = 0; t <= seconds; t++) {
    const d = policy.observe({ atMs: t * 1000, partitions, totalEnd: rate * t, totalLag: lag });
    if (d) {
      decisions.push({ t, ...d });
      partitions = d.partitions;
    }
  }
  return decisions;
}

test('a rate within capacity never grows the topic', () => {
  assert.deepEqual(feed(new PartitionPolicy(options), 4, 4 * 650, 60), []);
});

test('a sustained rate above capacity grows to what keeps each partition under its share', () => {
  const decisions = feed(new PartitionPolicy(options), 4, 7000, 10);
  assert.equal(decisions.length, 1);
  assert.equal(decisions[0]!.t, 3, 'after sustainIntervals intervals');
  assert.equal(decisions[0]!.partitions, 10); // 7000 / (0.7 * 1000)
  assert.match(decisions[0]!.reason, /7000 records\/s/);
});

test('a single burst does not grow the topic', () => {
  const policy = new PartitionPolicy(options);
  const ends = [0, 100, 10_000, 10_100, 10_200, 10_300];
  const out = ends.map((totalEnd, i) =>
    policy.observe({ atMs: i * 1000, partitions: 4, totalEnd, totalLag: 0 }),
  );
  assert.deepEqual(out.filter(Boolean), []);
});

test('lag that keeps rising grows the topic by half', () => {
  const policy = new PartitionPolicy(options);
  const out = [];
  for (let t = 0; t < 8; t++)
    out.push(policy.observe({ atMs: t * 1000, partitions: 4, totalEnd: 100 * t, totalLag: 2000 + 500 * t }));
  const decision = out.find(Boolean);
  assert.equal(decision?.partitions, 6);
  assert.match(decision.reason, /lag rose/);
});

test('never beyond maxPartitions, never shrinks, and waits out the cooldown', () => {
  const capped = feed(new PartitionPolicy({ ...options, maxPartitions: 6 }), 4, 100_000, 30);
  assert.deepEqual(
    capped.map((d) => d.partitions),
    [6],
  );
  assert.deepEqual(feed(new PartitionPolicy({ ...options, maxPartitions: 4 }), 4, 100_000, 30), []);
});

test('rejects a capacity that is not positive', () => {
  assert.throws(() => new PartitionPolicy({ ...options, partitionCapacity: 0 }), RangeError);
});
