import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { eventually } from '../support/config.ts';
import { ingestMembers, owned, stored } from '../support/ingest-members.ts';

// The client has no blocking revocation hook: a member can still hold records of a partition that
// moved away, and store them after the partition came back to it. Meanwhile the other member read
// further and committed further. Committing the old records' offsets then would move the group
// backwards, and everything between would be read and stored again by whoever reads next.

const { config, admin, produce, member, close } = ingestMembers('partition-returns', 31, {
  adaptive: false,
  flushCount: 1000,
  flushIntervalMs: 50,
});

after(close);

test('a partition that comes back to a member is never committed below what the group committed meanwhile', async () => {
  await admin.create(config.kafka.topic, 2);
  await produce(0, 100);
  await produce(1, 100);

  // Member A reads everything, but its store holds every write until released.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let writesA = 0;
  const a = member(0, {
    write: async (batch) => {
      writesA++;
      await released;
      return stored(batch);
    },
  });
  await a.start();
  await eventually(() => writesA > 0 && a.stats.consumed === 200, 60_000, 'A to read both partitions');

  // Member B joins and takes one partition, reads it from the start and beyond, and commits.
  const b = member(1, { write: (batch) => Promise.resolve(stored(batch)) });
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
    'B to commit the moved partition up to 150',
  );

  // B leaves, the partition returns to A, and A stores what it read before the partition moved.
  await b.stop();
  await eventually(() => owned(a).length === 2, 60_000, 'the partition to return to A');
  release();
  await eventually(
    () => a.stats.buffered === 0 && a.stats.flushes === writesA,
    60_000,
    'A to store and commit everything it read',
  );

  const committed = await admin.committed(config.kafka.topic, config.kafka.group, 2);
  assert.equal(committed[moved!], 150, 'the moved partition keeps the offset B committed');
  assert.equal(committed[1 - moved!], 100, 'the partition A kept is committed by A');
});
