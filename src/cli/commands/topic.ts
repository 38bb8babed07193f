import type { Command } from 'commander';
import { flagDefault, loadConfig, SETTINGS } from '../../config/index.ts';
import { untilStopSignal } from '../../app/index.ts';
import { asKafkaError, TopicAdmin } from '../../kafka/index.ts';
import { ConfigError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import {
  DEFAULT_PARTITION_CAPACITY,
  DEFAULT_PARTITION_POLICY,
  startPartitionAutoscaler,
} from '../../scaling/index.ts';
import { intOption, numberOption } from '../options.ts';

async function withAdmin<T>(
  topic: string | undefined,
  body: (admin: TopicAdmin, topic: string, group: string) => Promise<T>,
  replicationFactor?: number,
) {
  const config = loadConfig(undefined, {
    kafka: {
      ...(topic !== undefined && { topic }),
      ...(replicationFactor !== undefined && { replicationFactor }),
    },
  });
  const admin = new TopicAdmin(config.kafka);
  try {
    return await body(admin, config.kafka.topic, config.kafka.group);
  } catch (error) {
    throw asKafkaError(error, config.kafka);
  } finally {
    await admin.close();
  }
}

interface ScaleFlags {
  partitions?: number;
  auto?: boolean;
  maxPartitions: number;
  partitionCapacity: number;
  interval: number;
  topic?: string;
}

async function autoScale(opts: ScaleFlags): Promise<void> {
  await withAdmin(opts.topic, async (admin, topic, group) => {
    const log = createLogger(loadConfig().logLevel, 'autoscale');
    const scaler = startPartitionAutoscaler({
      admin,
      topic,
      group,
      intervalMs: opts.interval * 1000,
      policy: {
        ...DEFAULT_PARTITION_POLICY,
        maxPartitions: opts.maxPartitions,
        partitionCapacity: opts.partitionCapacity,
      },
      log,
      onScale: (from, to, reason) =>
        process.stdout.write(`${topic}: grown from ${from} to ${to} partitions: ${reason}\n`),
    });
    process.stderr.write(`watching ${topic} every ${opts.interval}s (Ctrl-C stops)\n`);
    await untilStopSignal().signalled;
    scaler.stop();
  });
}

export function registerTopicCommand(program: Command): void {
  const topic = program
    .command('topic')
    .description('create, describe and grow the events topic (Kafka admin API)');

  topic
    .command('create')
    .description('create the topic; an existing topic with the same partition count is fine')
    .requiredOption('--partitions <n>', 'partition count', intOption(1, 10_000))
    .option(
      '--replication-factor <n>',
      `replicas per partition (${flagDefault(SETTINGS.kafka.replicationFactor)})`,
      intOption(1, 32),
    )
    .option('--topic <name>', `topic (${flagDefault(SETTINGS.kafka.topic)})`)
    .action(async (opts: { partitions: number; replicationFactor?: number; topic?: string }) => {
      await withAdmin(
        opts.topic,
        async (admin, name) => {
          const outcome = await admin.create(name, opts.partitions);
          const replicas = await admin.replicationFactor(name);
          process.stdout.write(
            `${name}: ${outcome} with ${opts.partitions} partitions, replication factor ${replicas ?? '?'}\n`,
          );
        },
        opts.replicationFactor,
      );
    });

  topic
    .command('describe')
    .description('partitions, end offsets and the consumer group lag')
    .option('--topic <name>', `topic (${flagDefault(SETTINGS.kafka.topic)})`)
    .option('--json', 'print JSON')
    .action(async (opts: { topic?: string; json?: boolean }) => {
      await withAdmin(opts.topic, async (admin, name, group) => {
        const d = await admin.describe(name, group);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...d, group }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `topic ${name}, group ${group}: ${d.partitions.length} partitions, ${d.totalEnd} records, lag ${d.totalLag}\n`,
        );
        process.stdout.write('partition        end  committed        lag\n');
        for (const p of d.partitions) {
          process.stdout.write(
            `${String(p.partition).padStart(9)} ${String(p.end).padStart(10)} ${String(p.committed ?? '-').padStart(10)} ${String(p.lag).padStart(10)}\n`,
          );
        }
      });
    });

  topic
    .command('scale')
    .description('grow the topic to N partitions in total (Kafka never shrinks a topic), or --auto')
    .option('--partitions <n>', 'new total partition count', intOption(1, 10_000))
    .option('--auto', 'keep watching the produce rate and lag, and grow the topic when they demand it')
    .option('--max-partitions <n>', 'with --auto: upper bound', intOption(1, 10_000), 64)
    .option(
      '--partition-capacity <r>',
      'with --auto: records/s one worker sustains (see bench pipeline)',
      numberOption(1),
      DEFAULT_PARTITION_CAPACITY,
    )
    .option('--interval <s>', 'with --auto: seconds between observations', numberOption(0.5, 3600), 5)
    .option('--topic <name>', `topic (${flagDefault(SETTINGS.kafka.topic)})`)
    .action(async (opts: ScaleFlags) => {
      if (opts.auto) return autoScale(opts);
      if (opts.partitions === undefined) throw new ConfigError('topic scale needs --partitions N or --auto');
      const partitions = opts.partitions;
      await withAdmin(opts.topic, async (admin, name) => {
        const before = await admin.scale(name, partitions);
        process.stdout.write(
          before === partitions
            ? `${name}: already has ${before} partitions\n`
            : `${name}: grown from ${before} to ${partitions} partitions\n`,
        );
      });
    });
}
