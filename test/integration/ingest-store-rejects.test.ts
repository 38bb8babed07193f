import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createEventGenerator } from '../../src/events/synthetic.ts';
import { type BatchWriter, Ingestor } from '../../src/ingest/ingestor.ts';
import { TopicAdmin } from '../../src/kafka/admin.ts';
import { EventProducer } from '../../src/kafka/producer.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { StoreBatch } from '../../src/store/event-store.ts';
import { eventually, testConfig } from '../support/config.ts';

// A store error that no retry can help with (the server rejects the batch) must not let a later
// batch be stored and committed past it: the worker stops with nothing committed beyond the last
// batch that was stored, so Kafka redelivers the rejected records to whoever reads next.

const base = testConfig('store-rejects');
// One partition and small fixed batches: the batches follow each other in offset order.
const config = { ...base, ingest: { ...base.ingest, adaptive: false, flushCount: 100, flushIntervalMs: 50 } };
const admin = new TopicAdmin(config.kafka);

after(async () => {
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
});

test('a batch the store rejects stops the worker; nothing after the last stored batch is committed', async () => {
  await admin.create(config.kafka.topic, 1);
  const producer = new EventProducer(config.kafka, 'test-producer');
  const generator = createEventGenerator({ seed: 5, devices: 20 });
  await producer.send(Array.from({ length: 1000 }, () => generator.next()));
  await producer.close();

  const stored: StoreBatch[] = [];
  const writer: BatchWriter = {
    write: (batch) => {
      if (stored.length === 2) return Promise.reject(new Error('document failed validation'));
      stored.push(batch);
      const n = batch.events.length;
      return Promise.resolve({ inserted: n, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 });
    },
  };
  let fatal: unknown;
  const ingestor = new Ingestor({
    config,
    workerId: 0,
    log: createLogger('silent', 'test'),
    onStats: () => undefined,
    store: writer,
    onFatal: (error) => (fatal = error),
  });
  await ingestor.start();
  await eventually(() => fatal !== undefined, 60_000, 'the worker to fail');
  await ingestor.stop();

  assert.match(String(fatal), /document failed validation/);
  assert.equal(stored.length, 2, 'no batch is written after the rejected one');
  const lastStored = Math.max(...stored.flatMap((b) => b.events.map((e) => e.offset)));
  const [committed] = await admin.committed(config.kafka.topic, config.kafka.group, 1);
  assert.equal(committed, lastStored + 1, 'committed exactly up to the last stored batch');
  assert.ok(lastStored < 999, 'the rejected records are left for redelivery');
});
