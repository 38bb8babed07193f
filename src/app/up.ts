import { randomInt } from 'node:crypto';
import type { Config } from '../config/index.ts';
import { EventProducer, TopicAdmin } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import { demoRecords, runProducer } from '../producer/index.ts';
import {
  DEFAULT_PARTITION_CAPACITY,
  DEFAULT_PARTITION_POLICY,
  startPartitionAutoscaler,
} from '../scaling/index.ts';
import { servicesDown, servicesStatus, servicesUp } from '../local-services/index.ts';
import { holdsConsumers } from '../ingest/index.ts';
import { runApi } from './api.ts';
import { runIngest } from './ingest.ts';
import { ensureTopic } from './topic.ts';

export interface UpOptions {
  log: Logger;
  /** One line per step, for the person at the terminal. */
  step: (message: string) => void;
  /** Events per second of a demo producer; none without. */
  demoRate?: number;
  partitions?: number;
  maxPartitions: number;
  maxWorkers: number;
}

/** The most workers `up` adds as the topic grows, unless told: what INGEST_MEMORY_MB holds of it. */
const UP_MAX_WORKERS = 4;

/** UP_MAX_WORKERS, or fewer when the memory budget cannot hold them (never below INGEST_WORKERS). */
export function upMaxWorkers(config: Config): number {
  let n = UP_MAX_WORKERS;
  while (n > config.ingest.workers && !holdsConsumers(config.ingest.memoryMb, n, config.ingest.threads)) n--;
  return Math.max(n, config.ingest.workers);
}

export interface RunningUp {
  url: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` runs: the services (local ones started when none are configured), the
 * topic, the ingest pool with worker autoscaling, the partition autoscaler, the HTTP API, and
 * optionally a demo producer. `stop` takes them down in reverse, storing and committing what was
 * read, and stops only the services this started.
 */
export async function runUp(config: Config, options: UpOptions): Promise<RunningUp> {
  const { log, step } = options;
  const before = await servicesStatus(config);
  await servicesUp(config, { onStep: step });
  const startedServices = before.some((s) => !s.healthy);

  const admin = new TopicAdmin(config.kafka);
  const topic = await ensureTopic(admin, config.kafka.topic, options.partitions);
  if (topic.created) step(`created topic ${config.kafka.topic} with ${topic.partitions} partitions`);
  const ingest = await runIngest(config, {
    log,
    maxWorkers: Math.max(options.maxWorkers, config.ingest.workers),
  });
  step(
    `${config.ingest.workers} ingest workers in group ${config.kafka.group} (up to ${options.maxWorkers} as partitions grow)`,
  );
  const autoscaler = startPartitionAutoscaler({
    admin,
    topic: config.kafka.topic,
    group: config.kafka.group,
    intervalMs: 5000,
    policy: {
      ...DEFAULT_PARTITION_POLICY,
      maxPartitions: options.maxPartitions,
      partitionCapacity: DEFAULT_PARTITION_CAPACITY,
    },
    log,
  });
  const api = await runApi(config, { log, workerStats: () => ingest.pool.stats() });

  let stopped = false;
  let demo: Promise<unknown> = Promise.resolve();
  if (options.demoRate !== undefined) {
    const producer = new EventProducer(config.kafka, 'demo-producer');
    const seed = randomInt(2 ** 31 - 1);
    demo = runProducer(producer, demoRecords({ devices: 500, seed, isStopped: () => stopped }), {
      rate: options.demoRate,
      isStopped: () => stopped,
    }).finally(() => producer.close());
    step(`demo producer: ${options.demoRate} events/s to ${config.kafka.topic}`);
  }

  return {
    url: api.url,
    stop: async () => {
      step('stopping: demo producer, API, ingest workers (storing and committing what they read)');
      stopped = true;
      await demo;
      autoscaler.stop();
      await api.stop();
      await ingest.stop();
      await admin.close();
      if (startedServices) {
        const down = await servicesDown(config);
        if (down.length > 0) step(`stopped ${down.join(', ')}`);
      }
    },
  };
}
