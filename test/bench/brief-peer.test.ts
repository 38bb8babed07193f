import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { BRIEF_REQUIREMENTS, ensureVenv, venvDir } from '../../bench/peers/venv.ts';
import { briefArgs, parseBriefLine, spawnBrief } from '../../bench/peers/brief-process.ts';
import { EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import { runProducer, syntheticRecords } from '../../src/producer/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// The pipeline benchmark compares ipstream with the brief's design (bench/peers/brief/brief.py,
// kafka-python and pymongo in a virtualenv under the state folder). Its figures mean something only
// if the peer really drains a topic ipstream's producer wrote (LZ4 batches, 2 partitions split
// between its consumer threads) into MongoDB: every record, as the JSON it was.
const config = testConfig('brief-peer');
const RECORDS = 500;
const admin = new TopicAdmin(config.kafka);

after(async () => {
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close().catch(() => undefined);
  await dropDatabase(config);
});

test('the brief peer stores every record of a topic, then exits 0', { timeout: 600_000 }, async () => {
  // Installs the virtualenv when it is missing or its requirements changed (needs the package index).
  const python = await ensureVenv(venvDir(config.services.stateDir), BRIEF_REQUIREMENTS, (m) =>
    process.stderr.write(`${m}\n`),
  );
  await admin.create(config.kafka.topic, 2);
  const producer = new EventProducer(config.kafka, 'brief-peer-test');
  const records = [...syntheticRecords({ count: RECORDS, devices: 40, seed: 17 })];
  const summary = await runProducer(producer, records, { rate: 0 }).finally(() => producer.close());
  assert.equal(summary.sent, RECORDS);

  const peer = spawnBrief(
    python,
    briefArgs({
      topic: config.kafka.topic,
      group: config.kafka.group,
      brokers: config.kafka.brokers,
      mongoUri: config.mongo.uri,
      db: config.mongo.db,
      collection: 'brief_events',
      threads: 2,
      expect: RECORDS,
    }),
  );
  try {
    const type = (t: string): string | undefined => parseBriefLine(t)?.type;
    const assigned = await peer.waitForLine('stdout', (t) => type(t) === 'assigned', 60_000);
    assert.ok(assigned.at > peer.spawnedAt);
    // insert_many every 10 s: the first save holds everything a second or so of consuming read.
    const done = await peer.waitForLine('stdout', (t) => ['done', 'failed'].includes(type(t) ?? ''), 120_000);
    const line = parseBriefLine(done.text);
    assert.ok(line?.type === 'done', done.text);
    assert.equal(line.inserted, RECORDS);
    assert.ok(line.inserts >= 1);
    const exit = await peer.waitForExit(60_000);
    assert.equal(exit.code, 0, peer.tail());
  } finally {
    peer.kill();
  }

  const client = new MongoClient(config.mongo.uri);
  try {
    const docs = await client
      .db(config.mongo.db)
      .collection('brief_events')
      .find({}, { projection: { _id: 0 } })
      .toArray();
    const stored = docs.map((d) => JSON.stringify(d)).sort();
    const sent = records.map((r) => JSON.stringify(JSON.parse(String(r.value)))).sort();
    assert.deepEqual(stored, sent, 'every record once, as the JSON it was');
  } finally {
    await client.close();
  }
});
