import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  Consumer,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { MongoClient } from 'mongodb';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';

// Proves the chain through the chosen clients before any ipstream logic sits on it: admin creates a
// partitioned topic, a producer writes to it, a two-member group splits the partitions and reads
// every record exactly once, and the records round-trip through MongoDB.
const config = testConfig('chain');
const RECORDS = 1000;
const MAX_WAIT_MS = 200;

after(() => dropDatabase(config));

test('3 partitions, 1000 records, 2 consumers in one group, insertMany and read back', async () => {
  const admin = new TopicAdmin(config.kafka);
  try {
    await chain(admin);
  } finally {
    await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
    await admin.close();
  }
});

async function chain(admin: TopicAdmin): Promise<void> {
  assert.equal(await admin.create(config.kafka.topic, 3), 'created');
  assert.equal(await admin.create(config.kafka.topic, 3), 'exists');

  const consumers = [0, 1].map(
    (i) =>
      new Consumer({
        clientId: `chain-${i}`,
        bootstrapBrokers: config.kafka.brokers,
        groupId: config.kafka.group,
        deserializers: stringDeserializers,
        autocommit: false,
        maxWaitTime: MAX_WAIT_MS,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
      }),
  );
  const seen = consumers.map(() => [] as { partition: number; offset: bigint; value: string }[]);
  try {
    await consumeAll(consumers, seen);
  } finally {
    await Promise.all(consumers.map((c) => c.close(true)));
  }
  await checkAndStore(seen);
}

type Seen = { partition: number; offset: bigint; value: string }[][];

async function consumeAll(consumers: Consumer<string, string, string, string>[], seen: Seen): Promise<void> {
  const streams = await Promise.all(
    consumers.map(async (consumer, i) => {
      const stream = await consumer.consume({
        topics: [config.kafka.topic],
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: 'earliest',
      });
      stream.on('data', (m) => seen[i]?.push({ partition: m.partition, offset: m.offset, value: m.value }));
      return stream;
    }),
  );
  // Produce only once the group is stable with both members holding partitions, so that the split
  // between them is Kafka's assignment, not a race of who joined first. Stable means the same split
  // for longer than a fetch can be in flight (maxWaitTime): a fetch the first member sent before the
  // rebalance may still return records of a partition it has just lost.
  let split = '';
  let splitSince = Date.now();
  await eventually(
    () => {
      const owned = consumers.map((c) => c.assignments?.flatMap((a) => a.partitions) ?? []);
      const now = JSON.stringify(owned);
      if (now !== split) [split, splitSince] = [now, Date.now()];
      return (
        owned.every((p) => p.length > 0) &&
        owned.flat().length === 3 &&
        Date.now() - splitSince >= 5 * MAX_WAIT_MS
      );
    },
    30_000,
    'both consumers to hold their partitions',
  );

  const producer = new Producer({
    clientId: 'chain-producer',
    bootstrapBrokers: config.kafka.brokers,
    serializers: stringSerializers,
    idempotent: true,
  });
  const messages = Array.from({ length: RECORDS }, (_, i) => ({
    topic: config.kafka.topic,
    key: `10.0.${i % 7}.${i % 13}`,
    value: JSON.stringify({ n: i }),
  }));
  await producer.send({ messages });
  await producer.close();

  await eventually(() => seen[0]!.length + seen[1]!.length >= RECORDS, 30_000, 'all records to be consumed');
  await Promise.all(streams.map((s) => s.close()));
}

async function checkAndStore(seen: Seen): Promise<void> {
  const all = seen.flat();
  assert.equal(all.length, RECORDS, 'each record read exactly once between the two members');
  assert.equal(new Set(all.map((r) => `${r.partition}:${r.offset}`)).size, RECORDS);
  assert.deepEqual(new Set(all.map((r) => (JSON.parse(r.value) as { n: number }).n)).size, RECORDS);
  const partitionsOf = seen.map((records) => new Set(records.map((r) => r.partition)));
  assert.ok(
    seen.every((records) => records.length > 0),
    'both members read records',
  );
  assert.ok(
    [...partitionsOf[0]!].every((p) => !partitionsOf[1]!.has(p)),
    'members read disjoint partitions',
  );

  const client = new MongoClient(config.mongo.uri);
  try {
    const collection = client.db(config.mongo.db).collection<{ _id: string; n: number }>('records');
    const inserted = await collection.insertMany(
      all.map((r) => ({ _id: `${r.partition}:${r.offset}`, n: (JSON.parse(r.value) as { n: number }).n })),
    );
    assert.equal(inserted.insertedCount, RECORDS);
    const back = await collection.find().toArray();
    assert.equal(back.length, RECORDS);
    assert.deepEqual(
      back.map((d) => d.n).sort((a, b) => a - b),
      Array.from({ length: RECORDS }, (_, i) => i),
    );
  } finally {
    await client.close();
  }
}
