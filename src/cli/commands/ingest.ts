import type { Command } from 'commander';
import { type Config, loadConfig } from '../../config/config.ts';
import { ServiceError } from '../../errors/errors.ts';
import { waitUntilIdle } from '../../ingest/idle-watch.ts';
import { IngestPool } from '../../ingest/pool.ts';
import { sumStats } from '../../ingest/totals.ts';
import { TopicAdmin } from '../../kafka/admin.ts';
import { createLogger } from '../../log/logger.ts';
import { probeKafka, probeMongo } from '../../services/probe.ts';
import { detectStoreProfile } from '../../store/backend.ts';
import { connectMongo } from '../../store/mongo.ts';
import { ensureSchema } from '../../store/schema.ts';
import { intOption, numberOption } from '../options.ts';

interface IngestFlags {
  workers?: number;
  maxWorkers?: number;
  untilIdle?: number;
  flushInterval?: number;
  flushCount?: number;
  adaptive: boolean;
  topic?: string;
  group?: string;
}

/** One line and a non-zero exit when a service is unreachable, instead of retrying forever. */
export async function requireServices(config: Config): Promise<void> {
  const [kafka, mongo] = await Promise.all([
    probeKafka(config.kafka.brokers, 5000),
    probeMongo(config.mongo.uri, 5000),
  ]);
  if (!kafka)
    throw new ServiceError(
      'UNREACHABLE',
      `Kafka at ${config.kafka.brokers.join(',')} is unreachable (KAFKA_BROKERS; \`ipstream services up\` starts a local one)`,
    );
  if (!mongo)
    throw new ServiceError(
      'UNREACHABLE',
      `MongoDB at ${config.mongo.uri} is unreachable (MONGODB_URI; \`ipstream services up\` starts a local one)`,
    );
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('consume the topic with N workers in one consumer group and store events in MongoDB')
    .option(
      '--workers <n>',
      'worker threads in this process (default: INGEST_WORKERS or 2)',
      intOption(1, 256),
    )
    .option(
      '--until-idle <seconds>',
      'exit 0 once every partition was idle this long and all offsets are committed',
      numberOption(0.1, 86_400),
    )
    .option(
      '--flush-interval <ms>',
      'flush when the oldest buffered record is this old (default 1000)',
      intOption(10, 600_000),
    )
    .option(
      '--flush-count <n>',
      'records per flush (fixed, or the adaptive starting point)',
      intOption(1, 1_000_000),
    )
    .option(
      '--max-workers <n>',
      'add workers, up to n, while this process owns more partitions than workers',
      intOption(1, 256),
    )
    .option('--no-adaptive', 'keep flush limits fixed instead of tuning them to the store latency')
    .option('--topic <name>', 'topic (default: KAFKA_TOPIC)')
    .option('--group <name>', 'consumer group (default: KAFKA_GROUP)')
    .action(async (flags: IngestFlags) => {
      const config = loadConfig(undefined, {
        kafka: { ...(flags.topic && { topic: flags.topic }), ...(flags.group && { group: flags.group }) },
        ingest: {
          ...(flags.workers && { workers: flags.workers }),
          ...(flags.flushInterval && { flushIntervalMs: flags.flushInterval }),
          ...(flags.flushCount && { flushCount: flags.flushCount }),
          adaptive: flags.adaptive,
        },
      });
      await requireServices(config);
      const log = createLogger(config.logLevel, 'ingest');
      const admin = new TopicAdmin(config.kafka);
      if ((await admin.partitionCount(config.kafka.topic)) === undefined) {
        await admin.create(config.kafka.topic, 3);
        log.info({ topic: config.kafka.topic }, 'created missing topic with 3 partitions');
      }

      const mongo = await connectMongo(config.mongo);
      try {
        await ensureSchema(mongo.db);
        const profile = await detectStoreProfile(mongo.db);
        if (profile.server === 'ferretdb') {
          log.warn(
            `FerretDB detected: rollup writes go ${profile.statementsPerCommand} per command, one writer at a time under a fenced lease (FerretDB 1.24 holds a connection per update statement and its updates are not atomic); MongoDB needs neither`,
          );
        }
      } finally {
        await mongo.close();
      }

      const pool = new IngestPool(config, log);
      let stopping: Promise<void> | undefined;
      const stop = (why: string): Promise<void> => {
        stopping ??= (async () => {
          log.info({ why }, 'stopping: storing and committing what was read');
          await pool.stop();
        })();
        return stopping;
      };
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });

      await pool.scaleTo(config.ingest.workers);
      if (flags.maxWorkers !== undefined) pool.startWorkerAutoscale(flags.maxWorkers);
      log.info(
        { workers: config.ingest.workers, topic: config.kafka.topic, group: config.kafka.group },
        'ingesting',
      );
      const started = Date.now();
      const ticker = setInterval(() => {
        const t = sumStats(pool.allStats());
        const secs = (Date.now() - started) / 1000;
        process.stderr.write(
          `ingest: consumed ${t.consumed} stored ${t.stored} dead ${t.deadLetters} dup ${t.duplicates} buffered ${t.buffered} (${Math.round(t.consumed / secs)} rec/s)\n`,
        );
      }, 5000);

      let signalledFirst = false;
      void signalled.then(() => (signalledFirst = true));
      const idle =
        flags.untilIdle === undefined
          ? new Promise<void>(() => undefined)
          : waitUntilIdle(
              admin,
              config.kafka.topic,
              config.kafka.group,
              flags.untilIdle * 1000,
              () => signalledFirst,
            );
      await Promise.race([signalled, idle]);
      await stop(signalledFirst ? 'signal' : 'idle');
      clearInterval(ticker);
      await admin.close();
      const t = sumStats(pool.allStats());
      process.stdout.write(
        `ingested: consumed ${t.consumed}, stored ${t.stored}, duplicates ${t.duplicates}, dead letters ${t.deadLetters}, flushes ${t.flushes} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
      );
    });
}
