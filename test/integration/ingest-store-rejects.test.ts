import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import { createEventGenerator } from '../../src/events/index.ts';
import { type BatchWriter, Ingestor } from '../../src/ingest/index.ts';
import { EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { StoreBatch, StoreResult } from '../../src/store/index.ts';
import { eventually, testConfig } from '../support/config.ts';

// A store error that no retry can help with (the server rejects the batch) must not let a later
// batch be stored and committed past it: the worker stops with nothing committed beyond the last
// batch that was stored, so Kafka redelivers the rejected records to whoever reads next.

const admin = new TopicAdmin(testConfig('store-rejects').kafka);
const topics: string[] = [];

after(async () => {
  for (const topic of topics) await admin.deleteTopic(topic).catch(() => undefined);
  await admin.close();
});

/** A topic of its own with one partition, holding `records` events; small fixed batches follow each other in offset order. */
async function topicWith(label: string, records: number): Promise<Config> {
  const base = testConfig(label);
  const config = {
    ...base,
    ingest: { ...base.ingest, adaptive: false, flushCount: 100, flushIntervalMs: 50 },
  };
  topics.push(config.kafka.topic);
  await admin.create(config.kafka.topic, 1);
  const producer = new EventProducer(config.kafka, 'test-producer');
  const generator = createEventGenerator({ seed: 5, devices: 20 });
  await producer.send(Array.from({ length: records }, () => generator.next()));
  await producer.close();
  return config;
}

function stored(batch: StoreBatch): Promise<StoreResult> {
  const n = batch.events.length;
  return Promise.resolve({ inserted: n, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 });
}

const lastOffset = (batches: StoreBatch[]): number =>
  Math.max(...batches.flatMap((b) => b.events.map((e) => e.offset)));

test('a batch the store rejects stops the worker; nothing after the last stored batch is committed', async () => {
  const config = await topicWith('store-rejects', 1000);
  const written: StoreBatch[] = [];
  const writer: BatchWriter = {
    write: (batch) => {
      if (written.length === 2) return Promise.reject(new Error('document failed validation'));
      written.push(batch);
      return stored(batch);
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
  assert.equal(written.length, 2, 'no batch is written after the rejected one');
  const [committed] = await admin.committed(config.kafka.topic, config.kafka.group, 1);
  assert.equal(committed, lastOffset(written) + 1, 'committed exactly up to the last stored batch');
  assert.ok(lastOffset(written) < 999, 'the rejected records are left for redelivery');
});

test('a batch the store rejects while stopping ends the drain: nothing after it is written or committed', async () => {
  const config = await topicWith('store-rejects-stop', 1000);
  const written: StoreBatch[] = [];
  let rejectHeld: ((error: Error) => void) | undefined;
  let writesAfterRejection = 0;
  const writer: BatchWriter = {
    write: (batch) => {
      if (rejectHeld !== undefined || written.length === 0) {
        if (rejectHeld !== undefined) writesAfterRejection++;
        written.push(batch);
        return stored(batch);
      }
      // The second batch is held until the stop has begun, then rejected for good.
      return new Promise<StoreResult>((_resolve, reject) => (rejectHeld = reject));
    },
  };
  const ingestor = new Ingestor({
    config,
    workerId: 0,
    log: createLogger('silent', 'test'),
    onStats: () => undefined,
    store: writer,
  });
  await ingestor.start();
  // Everything is read and buffered behind the held batch: the drain has batches left after it.
  await eventually(
    () => rejectHeld !== undefined && ingestor.stats.consumed === 1000,
    60_000,
    'the whole topic read while the second batch is held',
  );
  const stopped = ingestor.stop();
  rejectHeld!(new Error('document failed validation'));
  await stopped;

  assert.equal(writesAfterRejection, 0, 'no batch is written after the rejected one');
  const [committed] = await admin.committed(config.kafka.topic, config.kafka.group, 1);
  assert.equal(committed, lastOffset(written) + 1, 'committed exactly up to the last stored batch');
});
