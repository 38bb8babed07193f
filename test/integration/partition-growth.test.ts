import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { countStoredEvents, storedEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// Growing a topic remaps keys: a device's later events land on another partition than its earlier
// ones. The per-partition rollup guards must keep every device's totals exact across that move,
// with the ingest process running through the change.
const config = testConfig('growth');
const env = envFor(config);

after(async () => {
  killChildren();
  await dropDatabase(config);
});

test('partitions grow under a running ingest: keys move, totals stay exact', async () => {
  const admin = new TopicAdmin(config.kafka);
  try {
    await grow(admin);
  } finally {
    await admin.close();
  }
});

async function grow(admin: TopicAdmin): Promise<void> {
  await admin.create(config.kafka.topic, 2);
  const ingest = startCli(['ingest', '--workers', '2', '--max-workers', '4', '--until-idle', '4'], env);
  const first = await runCli(['produce', '--count', '4000', '--devices', '200', '--seed', '31'], env);
  assert.equal(first.code, 0, first.stderr);
  await eventually(
    async () => (await withDb(config, countStoredEvents)) === 4000,
    60_000,
    'the first half to be stored',
  );

  const scaled = await runCli(['topic', 'scale', '--partitions', '5'], env);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.match(scaled.stdout, /grown from 2 to 5 partitions/);
  // The same seed and devices: the same device pool, now spread over five partitions.
  const second = await runCli(['produce', '--count', '4000', '--devices', '200', '--seed', '31'], env);
  assert.equal(second.code, 0, second.stderr);

  const exit = await ingest.exited;
  assert.equal(exit.code, 0, exit.stderr);
  const described = await admin.describe(config.kafka.topic, config.kafka.group);
  assert.equal(described.partitions.length, 5);
  assert.ok(
    described.partitions.every((p) => p.end > 0),
    'every partition, old and new, received records',
  );
  assert.equal(described.totalLag, 0);

  await withDb(config, async (db) => {
    assert.equal(await countStoredEvents(db), 8000);
    // Devices whose events sit on more than one partition prove the remapping happened.
    const partitionsByDevice = new Map<string, Set<number>>();
    for await (const e of storedEvents(db)) {
      const seen = partitionsByDevice.get(e.ip) ?? new Set<number>();
      seen.add(e.partition);
      partitionsByDevice.set(e.ip, seen);
    }
    const moved = [...partitionsByDevice.values()].filter((p) => p.size > 1).length;
    assert.ok(
      moved > 0,
      `some devices have events on two partitions (${moved} of ${partitionsByDevice.size})`,
    );
    await assertRollupsMatchEvents(db);
  });
  await admin.deleteTopic(config.kafka.topic);
}
