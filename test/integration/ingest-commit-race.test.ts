import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchWriter } from '../../src/ingest/index.ts';
import { partitionKey } from '../../src/events/index.ts';
import type { StoreBatch } from '../../src/store/index.ts';
import { eventually } from '../support/config.ts';
import { ingestMembers, owned, stored } from '../support/ingest-members.ts';

// Issue 21: a commit was read-then-write. A member read the group's committed offsets, then
// committed its own; another member's commit in between was overwritten by a lower offset. Kafka's
// coordinator checks only the member epoch of an OffsetCommit, not who owns the partition, so the
// broker does not stop it. Here member A stores 100 records of each of two partitions and, between
// reading what decides its commit and sending it, member B takes one partition, stores 50 more
// records of it, and commits 150 (and, in the second test, leaves again, so that the partition is
// A's once more when A commits). The group's offset for that partition must stay 150.

/** One store for every member: what each partition holds, gap-free, as EventStore's marks say. */
function sharedStore(): BatchWriter {
  const marks: Record<string, number> = {};
  return {
    write: (batch: StoreBatch) => {
      for (const e of [...batch.events, ...batch.deadLetters]) {
        const key = partitionKey(e.topic, e.partition);
        marks[key] = Math.max(marks[key] ?? -1, e.offset);
      }
      return Promise.resolve(stored(batch));
    },
    appliedThrough: () => Promise.resolve({ ...marks }),
  };
}

for (const [name, leaves] of [
  ['B keeps the partition', false],
  ['B leaves, and the partition is back with A when A commits', true],
] as const) {
  test(`another member's commit inside a member's commit window is never overwritten (${name})`, async (t) => {
    const { config, admin, produce, member, close } = ingestMembers(`commit-race-${Number(leaves)}`, 21, {
      adaptive: false,
      flushCount: 1000,
      flushIntervalMs: 2000,
    });
    t.after(close);
    await admin.create(config.kafka.topic, 2);
    await produce(0, 100);
    await produce(1, 100);
    const store = sharedStore();

    let enterWindow: () => void = () => undefined;
    const inWindow = new Promise<void>((resolve) => (enterWindow = resolve));
    let leaveWindow: () => void = () => undefined;
    const windowClosed = new Promise<void>((resolve) => (leaveWindow = resolve));
    let windows = 0;
    const a = member(0, store, {
      beforeCommit: async () => {
        if (windows++ > 0) return;
        enterWindow();
        await windowClosed;
      },
    });
    await a.start();
    await inWindow;
    assert.equal(a.stats.consumed, 200, "A's first batch holds both partitions");

    const b = member(1, store);
    await b.start();
    const [moved] = await eventually(
      () => (owned(b).length === 1 && owned(a).length === 1 ? owned(b) : undefined),
      60_000,
      'B to take one partition from A',
    );
    await produce(moved!, 50);
    await eventually(
      async () => (await admin.committed(config.kafka.topic, config.kafka.group, 2))[moved!] === 150,
      60_000,
      'B to store and commit the moved partition up to 150',
    );
    if (leaves) {
      await b.stop();
      await eventually(() => owned(a).length === 2, 60_000, 'the partition to return to A');
    }

    leaveWindow();
    await eventually(() => a.stats.flushes >= 1, 60_000, "A's flush to finish");
    await a.stop();
    const committed = await admin.committed(config.kafka.topic, config.kafka.group, 2);
    assert.equal(committed[moved!], 150, 'the moved partition keeps what B committed');
    assert.equal(committed[1 - moved!], 100, 'the partition A kept is committed by A');
  });
}
