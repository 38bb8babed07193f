import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { createEventGenerator, partitionKey } from '../../src/events/index.ts';
import { Ingestor } from '../../src/ingest/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { StoreBatch } from '../../src/store/index.ts';
import { eventually, testConfig } from '../support/config.ts';
import { stored } from '../support/ingest-members.ts';
import { PrivateServices } from '../support/private-services.ts';

// A commit that fails must not be forgotten (issue 27: members stopped after leader changes had
// lost the commits of tens of thousands of stored records). The broker goes away just as a member
// commits what it stored; nothing more arrives, so no later flush commits for it. The commit must
// be retried by itself once the broker is back, and a member stopped while its commit fails must
// keep retrying within its stop grace before it leaves the group. Private broker, fake store.
const services = new PrivateServices();
const base = testConfig('fault-commit-retry');
const config = {
  ...base,
  kafka: { ...base.kafka, brokers: services.kafkaBrokers },
  ingest: { ...base.ingest, adaptive: false, flushCount: 1000, flushIntervalMs: 200 },
};
const log = createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'silent', 'test');

let admin: TopicAdmin;
let producer: Producer<string, string, string, string>;
const members: Ingestor[] = [];

before(async () => {
  await services.startKafka();
  admin = new TopicAdmin(config.kafka);
  await admin.create(config.kafka.topic, 1);
  producer = new Producer({
    clientId: 'commit-retry-producer',
    bootstrapBrokers: config.kafka.brokers,
    serializers: stringSerializers,
  });
});

after(async () => {
  for (const m of members) await m.stop(1_000).catch(() => undefined);
  await producer?.close().catch(() => undefined);
  await admin?.close().catch(() => undefined);
  await services.cleanup();
});

const generator = createEventGenerator({ seed: 27, devices: 20 });
async function produce(count: number): Promise<void> {
  const messages = Array.from({ length: count }, () => ({
    topic: config.kafka.topic,
    partition: 0,
    value: generator.next().value,
  }));
  await producer.send({ messages });
}

const committed = async (): Promise<number | null | undefined> =>
  (await admin.committed(config.kafka.topic, config.kafka.group, 1).catch(() => [undefined]))[0];

test('a member stopped while its commit fails (the broker away) commits what it stored within its stop grace', async () => {
  await produce(100);
  // The store's mark: everything written is stored, gap-free.
  let mark = -1;
  let writes = 0;
  const writer = {
    write: (batch: StoreBatch) => {
      writes++;
      for (const e of batch.events) mark = Math.max(mark, e.offset);
      return Promise.resolve(stored(batch));
    },
    appliedThrough: () => Promise.resolve({ [partitionKey(config.kafka.topic, 0)]: mark }),
  };
  // The broker stops (cleanly) in the window of the first commit.
  let windows = 0;
  const member = new Ingestor({
    config,
    workerId: 0,
    log,
    onStats: () => undefined,
    store: writer,
    stopGraceMs: 90_000,
    beforeCommit: async () => {
      if (windows++ === 0) await services.stopKafka();
    },
  });
  members.push(member);
  await member.start();
  await eventually(() => member.stats.commitFailures > 0, 60_000, 'the commit to fail with the broker away');
  assert.equal(mark, 99);

  // SIGTERM's stop, while the broker is still away; it comes back within the stop's grace.
  const stopping = member.stop();
  await services.startKafka();
  await stopping;
  assert.equal(await committed(), 100, 'stop committed what was stored before leaving the group');
  assert.equal(writes, 1, 'and read nothing more meanwhile');
});
