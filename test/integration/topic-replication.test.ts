import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor, runCli } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';

// Without --replication-factor (or KAFKA_REPLICATION_FACTOR), `topic create` asks for the cluster's
// default replication factor: 1 on the shared single broker here, 3 on the three-node cluster of
// test/chaos (whose tests check it). A factor the cluster cannot give is refused in one line.
const config = testConfig('replication');
const env = envFor(config);
const admin = new TopicAdmin(config.kafka);
const topics: string[] = [];

after(async () => {
  for (const topic of topics) await admin.deleteTopic(topic).catch(() => undefined);
  await admin.close();
});

function topicEnv(suffix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const topic = `${config.kafka.topic}-${suffix}`;
  topics.push(topic);
  return { ...env, KAFKA_TOPIC: topic, ...extra };
}

test('topic create without a factor takes the cluster default (1 on a single broker)', async () => {
  const e = topicEnv('default');
  const created = await runCli(['topic', 'create', '--partitions', '2'], e);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created with 2 partitions, replication factor 1/);
  assert.equal(await admin.replicationFactor(String(e.KAFKA_TOPIC)), 1);
});

test('a factor above the brokers there are is refused, by flag and by KAFKA_REPLICATION_FACTOR', async () => {
  for (const [args, e] of [
    [['--replication-factor', '2'], topicEnv('flag')],
    [[], topicEnv('env', { KAFKA_REPLICATION_FACTOR: '2' })],
  ] as const) {
    const created = await runCli(['topic', 'create', '--partitions', '1', ...args], e);
    assert.notEqual(created.code, 0, created.stdout);
    assert.match(created.stderr, /replication factor/i, created.stderr);
    assert.equal(await admin.partitionCount(String(e.KAFKA_TOPIC)), undefined);
  }
});

test('KAFKA_REPLICATION_FACTOR is checked at start-up', async () => {
  const refused = await runCli(
    ['topic', 'create', '--partitions', '1'],
    topicEnv('bad', { KAFKA_REPLICATION_FACTOR: '0' }),
  );
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /KAFKA_REPLICATION_FACTOR/);
});
