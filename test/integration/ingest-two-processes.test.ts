import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { TopicAdmin } from '../../src/kafka/admin.ts';
import { COLLECTIONS } from '../../src/store/schema.ts';
import { envFor, killChildren, runCli, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// Scale-out is Kafka's consumer group and nothing else: two ingest processes that share only the
// broker and the database split the partitions between them, and the totals are exact.
const config = testConfig('two-procs');
const env = envFor(config);

after(async () => {
  killChildren();
  await dropDatabase(config);
});

test('two ingest processes in one group split the partitions; totals are exact', async () => {
  const topics = new TopicAdmin(config.kafka);
  await topics.create(config.kafka.topic, 6);
  const first = startCli(['ingest', '--workers', '1', '--until-idle', '3'], env);
  const second = startCli(['ingest', '--workers', '1', '--until-idle', '3'], env);

  // Produce only once both processes are members, so both get partitions and records.
  const kafkaAdmin = new Admin({ clientId: 'test-admin', bootstrapBrokers: config.kafka.brokers });
  await eventually(
    async () => {
      const groups = await kafkaAdmin.describeGroups({ groups: [config.kafka.group] });
      const group = groups.get(config.kafka.group);
      return String(group?.state).toLowerCase() === 'stable' && group?.members.size === 2;
    },
    60_000,
    'a stable group of two members',
  );
  await kafkaAdmin.close();

  const produced = await runCli(['produce', '--count', '10000', '--devices', '500', '--seed', '21'], env);
  assert.equal(produced.code, 0, produced.stderr);
  const [a, b] = await Promise.all([first.exited, second.exited]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const consumedBy = [a, b].map((r) => Number(/consumed (\d+)/.exec(r.stdout)?.[1]));
  assert.ok(
    consumedBy.every((n) => n > 0),
    `both processes consumed records: ${consumedBy}`,
  );
  assert.equal(consumedBy[0]! + consumedBy[1]!, 10_000, 'each record consumed by exactly one process');

  await withDb(config, async (db) => {
    assert.equal(await db.collection(COLLECTIONS.events).countDocuments(), 10_000);
    await assertRollupsMatchEvents(db);
  });
  await topics.deleteTopic(config.kafka.topic);
  await topics.close();
});
