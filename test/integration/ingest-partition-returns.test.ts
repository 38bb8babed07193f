import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { createEventGenerator } from '../../src/events/synthetic.ts';
import { type BatchWriter, Ingestor } from '../../src/ingest/ingestor.ts';
import { TopicAdmin } from '../../src/kafka/admin.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { StoreBatch, StoreResult } from '../../src/store/event-store.ts';
import { eventually, testConfig } from '../support/config.ts';

// The client has no blocking revocation hook: a member can still hold records of a partition that
// moved away, and store them after the partition came back to it. Meanwhile the other member read
// further and committed further. Committing the old records' offsets then would move the group
// backwards, and everything between would be read and stored again by whoever reads next.

const base = testConfig('partition-returns');
const config = {
  ...base,
  ingest: { ...base.ingest, adaptive: false, flushCount: 1000, flushIntervalMs: 50 },
};
const admin = new TopicAdmin(config.kafka);
const producer = new Producer({
  clientId: 'partition-returns-producer',
  bootstrapBrokers: config.kafka.brokers,
  serializers: stringSerializers,
});
const generator = createEventGenerator({ seed: 31, devices: 50 });
const running: Ingestor[] = [];

after(async () => {
  for (const ingestor of running) await ingestor.stop().catch(() => undefined);
  await producer.close();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
});

async function produce(partition: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, () => ({
    topic: config.kafka.topic,
    partition,
    value: generator.next().value,
  }));
  await producer.send({ messages });
}

function stored(batch: StoreBatch): StoreResult {
  return { inserted: batch.events.length, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 };
}

function member(workerId: number, writer: BatchWriter): Ingestor {
  const ingestor = new Ingestor({
    config,
    workerId,
    log: createLogger('silent', 'test'),
    onStats: () => undefined,
    store: writer,
  });
  running.push(ingestor);
  return ingestor;
}

const owned = (ingestor: Ingestor): number[] => ingestor.stats.assigned.flatMap((a) => a.partitions).sort();

test('a partition that comes back to a member is never committed below what the group committed meanwhile', async () => {
  await admin.create(config.kafka.topic, 2);
  await produce(0, 100);
  await produce(1, 100);

  // Member A reads everything, but its store holds every write until released.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let writesA = 0;
  const a = member(0, {
    write: async (batch) => {
      writesA++;
      await released;
      return stored(batch);
    },
  });
  await a.start();
  await eventually(() => writesA > 0 && a.stats.consumed === 200, 60_000, 'A to read both partitions');

  // Member B joins and takes one partition, reads it from the start and beyond, and commits.
  const b = member(1, { write: (batch) => Promise.resolve(stored(batch)) });
  await b.start();
  const [moved] = await eventually(
    () => (owned(b).length === 1 && owned(a).length === 1 ? owned(b) : undefined),
    60_000,
    'B to take one partition from A',
  );
  await produce(moved!, 50);
  await eventually(
    async () => (await admin.committed(config.kafka.topic, config.kafka.group, 2))[moved!] === 150,
    60_000,
    'B to commit the moved partition up to 150',
  );

  // B leaves, the partition returns to A, and A stores what it read before the partition moved.
  await b.stop();
  await eventually(() => owned(a).length === 2, 60_000, 'the partition to return to A');
  release();
  await eventually(
    () => a.stats.buffered === 0 && a.stats.flushes === writesA,
    60_000,
    'A to store and commit everything it read',
  );

  const committed = await admin.committed(config.kafka.topic, config.kafka.group, 2);
  assert.equal(committed[moved!], 150, 'the moved partition keeps the offset B committed');
  assert.equal(committed[1 - moved!], 100, 'the partition A kept is committed by A');
});
