import { Producer, stringSerializers } from '@platformatic/kafka';
import type { Config } from '../../src/config/index.ts';
import { createEventGenerator } from '../../src/events/index.ts';
import { type BatchWriter, Ingestor } from '../../src/ingest/index.ts';
import type { IngestorOptions } from '../../src/ingest/ingestor.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { StoreBatch, StoreResult } from '../../src/store/index.ts';
import { testConfig } from './config.ts';

/**
 * Ingestors of one group on a topic of their own, each with a writer the test controls, and a
 * producer that puts records on chosen partitions: for tests of what members do around rebalances.
 */
export interface IngestMembers {
  config: Config;
  admin: TopicAdmin;
  produce: (partition: number, count: number) => Promise<void>;
  member: (
    workerId: number,
    writer: BatchWriter,
    options?: Pick<IngestorOptions, 'beforeCommit'>,
  ) => Ingestor;
  /** Stops every member, the producer and the admin client, and deletes the topic. */
  close: () => Promise<void>;
}

export function ingestMembers(name: string, seed: number, ingest: Partial<Config['ingest']>): IngestMembers {
  const base = testConfig(name);
  const config = { ...base, ingest: { ...base.ingest, ...ingest } };
  const admin = new TopicAdmin(config.kafka);
  const producer = new Producer({
    clientId: `${name}-producer`,
    bootstrapBrokers: config.kafka.brokers,
    serializers: stringSerializers,
  });
  const generator = createEventGenerator({ seed, devices: 50 });
  const running: Ingestor[] = [];
  return {
    config,
    admin,
    produce: async (partition, count) => {
      const messages = Array.from({ length: count }, () => ({
        topic: config.kafka.topic,
        partition,
        value: generator.next().value,
      }));
      await producer.send({ messages });
    },
    member: (workerId, writer, options = {}) => {
      const ingestor = new Ingestor({
        config,
        workerId,
        log: createLogger('silent', 'test'),
        onStats: () => undefined,
        store: writer,
        ...options,
      });
      running.push(ingestor);
      return ingestor;
    },
    close: async () => {
      for (const ingestor of running) await ingestor.stop(1_000).catch(() => undefined);
      await producer.close();
      await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
      await admin.close();
    },
  };
}

/** What a writer that stores nothing reports for a batch: every event inserted. */
export function stored(batch: StoreBatch): StoreResult {
  return { inserted: batch.events.length, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 };
}

/** The partitions a member owns now, sorted. */
export const owned = (ingestor: Ingestor): number[] =>
  ingestor.stats.assigned.flatMap((a) => a.partitions).sort();
