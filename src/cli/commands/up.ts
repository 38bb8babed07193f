import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { IngestPool } from '../../ingest/pool.ts';
import { TopicAdmin } from '../../kafka/admin.ts';
import { EventProducer } from '../../kafka/producer.ts';
import { createLogger } from '../../log/logger.ts';
import { demoRecords } from '../../producer/demo.ts';
import { runProducer } from '../../producer/run.ts';
import { servicesDown, servicesStatus, servicesUp } from '../../services/services.ts';
import { connectMongo } from '../../store/mongo.ts';
import { ensureSchema } from '../../store/schema.ts';
import { startPartitionAutoscaler } from '../../scaling/autoscaler.ts';
import { DEFAULT_PARTITION_CAPACITY, DEFAULT_PARTITION_POLICY } from '../../scaling/partition-policy.ts';
import { startApiServer } from '../api-server.ts';
import { intOption, numberOption } from '../options.ts';
import { stepReporter } from '../progress.ts';

interface UpFlags {
  demo?: boolean;
  demoRate: number;
  workers?: number;
  port?: number;
  partitions: number;
  maxPartitions: number;
  maxWorkers: number;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('everything: services (started if needed), ingest workers, HTTP API and dashboard')
    .option('--demo', 'also run a demo producer so that something moves')
    .option('--demo-rate <r>', 'demo events per second', numberOption(1, 100_000), 200)
    .option('--workers <n>', 'ingest worker threads (default: INGEST_WORKERS or 2)', intOption(1, 256))
    .option('--port <p>', 'HTTP port (default: PORT or 8000)', intOption(0, 65535))
    .option('--partitions <p>', 'partitions when the topic has to be created', intOption(1, 10_000), 4)
    .option(
      '--max-partitions <n>',
      'the partition autoscaler grows the topic up to n',
      intOption(1, 10_000),
      32,
    )
    .option('--max-workers <n>', 'workers are added up to n as the topic grows', intOption(1, 256), 4)
    .action(async (flags: UpFlags) => {
      const config = loadConfig(undefined, {
        ...(flags.port !== undefined && { http: { port: flags.port } }),
        ...(flags.workers !== undefined && { ingest: { workers: flags.workers } }),
      });
      const log = createLogger(config.logLevel, 'up');
      const step = stepReporter();
      const before = await servicesStatus(config);
      await servicesUp(config, { onStep: step });
      const startedServices = before.some((s) => !s.healthy);

      const admin = new TopicAdmin(config.kafka);
      if ((await admin.partitionCount(config.kafka.topic)) === undefined) {
        await admin.create(config.kafka.topic, flags.partitions);
        step(`created topic ${config.kafka.topic} with ${flags.partitions} partitions`);
      }
      const mongo = await connectMongo(config.mongo);
      await ensureSchema(mongo.db).finally(() => mongo.close());

      const pool = new IngestPool(config, log);
      await pool.scaleTo(config.ingest.workers);
      pool.startWorkerAutoscale(Math.max(flags.maxWorkers, config.ingest.workers));
      step(
        `${config.ingest.workers} ingest workers in group ${config.kafka.group} (up to ${flags.maxWorkers} as partitions grow)`,
      );
      const autoscaler = startPartitionAutoscaler({
        admin,
        topic: config.kafka.topic,
        group: config.kafka.group,
        intervalMs: 5000,
        policy: {
          ...DEFAULT_PARTITION_POLICY,
          maxPartitions: flags.maxPartitions,
          partitionCapacity: DEFAULT_PARTITION_CAPACITY,
        },
        log,
      });
      const server = await startApiServer(config, { log, workerStats: () => pool.stats() });

      let stopped = false;
      let demo: Promise<unknown> = Promise.resolve();
      if (flags.demo) {
        const producer = new EventProducer(config.kafka, 'demo-producer');
        const seed = randomInt(2 ** 31 - 1);
        demo = runProducer(producer, demoRecords({ devices: 500, seed, isStopped: () => stopped }), {
          rate: flags.demoRate,
          isStopped: () => stopped,
        }).finally(() => producer.close());
        step(`demo producer: ${flags.demoRate} events/s to ${config.kafka.topic}`);
      }
      process.stdout.write(
        `\n  dashboard  ${server.url}/\n  API docs   ${server.url}/docs\n\n  Ctrl-C stops everything.\n\n`,
      );

      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      step('stopping: demo producer, API, ingest workers (storing and committing what they read)');
      stopped = true;
      await demo;
      autoscaler.stop();
      await admin.close();
      await server.close();
      await pool.stop();
      if (startedServices) {
        const down = await servicesDown(config);
        if (down.length) step(`stopped ${down.join(', ')}`);
      }
    });
}
