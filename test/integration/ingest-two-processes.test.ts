import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { countStoredEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli, startCli, type CliRun } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// Scale-out is Kafka's consumer group and nothing else: two ingest processes that share only the
// broker and the database split the partitions between them, and the totals are exact.
const config = testConfig('two-procs');
const env = envFor(config, { LOG_LEVEL: 'info' });

after(async () => {
  killChildren();
  await dropDatabase(config);
});

const joined = (run: CliRun) => run.output().includes('joined group');

test('two ingest processes in one group split the partitions; totals are exact', async () => {
  const topics = new TopicAdmin(config.kafka);
  try {
    await topics.create(config.kafka.topic, 6);
    const first = startCli(['ingest', '--workers', '1', '--until-idle', '3'], env);
    const second = startCli(['ingest', '--workers', '1', '--until-idle', '3'], env);
    await eventually(() => joined(first) && joined(second), 60_000, 'both processes to join the group');

    // Produced over a few seconds, so that both members hold partitions for most of the stream
    // whatever the moment the broker finishes handing them out.
    const produced = await runCli(
      ['produce', '--count', '10000', '--rate', '2500', '--devices', '500', '--seed', '21'],
      env,
    );
    assert.equal(produced.code, 0, produced.stderr);
    const [a, b] = await Promise.all([first.exited, second.exited]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const consumedBy = [a, b].map((r) => Number(/consumed (\d+)/.exec(r.stdout)?.[1]));
    assert.ok(
      consumedBy.every((n) => n > 0),
      `both processes consumed records: ${consumedBy.join(', ')}`,
    );
    // A record read by one member just before its partition moved may be read again by the other
    // (at-least-once); storage must still hold each exactly once.
    assert.ok(consumedBy[0]! + consumedBy[1]! >= 10_000);

    await withDb(config, async (db) => {
      assert.equal(await countStoredEvents(db), 10_000);
      await assertRollupsMatchEvents(db);
    });
    await topics.deleteTopic(config.kafka.topic);
  } finally {
    await topics.close();
  }
});
