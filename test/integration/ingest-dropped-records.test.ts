import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { eventually } from '../support/config.ts';
import { ingestMembers, owned, stored } from '../support/ingest-members.ts';

// A member forgets the buffered records of a partition that moved away: their new owner reads them
// from the group's committed offset. If the partition comes back before anyone committed past
// them, the client resumes it from its own fetch position (it re-reads the committed offset only
// when there is one, and a fetch in flight can overwrite that too), not from the records it
// forgot. Storing past them would lose them twice over: the rollups count a partition's records
// above each document's mark, and the commit moves past them. The member must read them again
// before it stores anything of that partition beyond them.

const { config, admin, produce, member, close } = ingestMembers('dropped-records', 37, {
  adaptive: false,
  flushCount: 10,
  flushIntervalMs: 50,
});

after(close);

test('records dropped when a partition moved are read again when it comes back uncommitted', async () => {
  await admin.create(config.kafka.topic, 2);
  await produce(0, 100);
  await produce(1, 100);

  // Member A reads everything; its store holds the first batch until released, so the rest waits
  // in its buffer. Every offset A stores is remembered per partition, and so is every write that
  // would leave a gap after what was stored before it (what the rollups' marks cannot survive).
  const storedByA = [new Set<number>(), new Set<number>()];
  const gaps: string[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const a = member(0, {
    write: async (batch) => {
      await released;
      for (const partition of [0, 1]) {
        const offsets = batch.events.filter((e) => e.partition === partition).map((e) => e.offset);
        const reach = Math.max(-1, ...storedByA[partition]!);
        for (const offset of offsets) storedByA[partition]!.add(offset);
        const beyond = Math.max(-1, ...offsets);
        for (let o = reach + 1; o <= beyond; o++) {
          if (!storedByA[partition]!.has(o))
            gaps.push(`partition ${partition}: ${reach + 1}..${beyond} skips ${o}`);
        }
      }
      return stored(batch);
    },
  });
  await a.start();
  await eventually(() => a.stats.consumed >= 200, 60_000, 'A to read both partitions');

  // Member B takes one partition and reads it, but its store never succeeds: it gives up when told
  // to, leaving the group with nothing committed.
  let giveUp: () => void = () => undefined;
  const givenUp = new Promise<void>((resolve) => (giveUp = resolve));
  const b = member(1, {
    write: async () => {
      await givenUp;
      throw new Error('B gives up');
    },
  });
  b.start().catch(() => undefined);
  const [moved] = await eventually(
    () => (owned(b).length === 1 && owned(a).length === 1 ? owned(b) : undefined),
    60_000,
    'B to take one partition from A',
  );

  // A stores its first batch and forgets the buffered records of the partition B now owns.
  release();
  await eventually(() => a.stats.droppedForRebalance > 0, 60_000, 'A to drop the moved partition');

  // B leaves uncommitted; the partition returns to A, with more records behind the forgotten ones.
  giveUp();
  await eventually(() => owned(a).length === 2, 60_000, 'the partition to return to A');
  await produce(moved!, 10);
  await eventually(
    async () => (await admin.committed(config.kafka.topic, config.kafka.group, 2))[moved!] === 110,
    60_000,
    'A to commit the returned partition through its new records',
  );

  const missing = Array.from({ length: 110 }, (_, offset) => offset).filter(
    (offset) => !storedByA[moved!]!.has(offset),
  );
  assert.deepEqual(missing, [], 'every offset below the commit is stored');
  assert.deepEqual(gaps, [], 'no write skipped past offsets not stored before it');
});
