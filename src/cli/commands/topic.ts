import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { TopicAdmin } from '../../kafka/admin.ts';
import { intOption } from '../options.ts';

async function withAdmin<T>(
  topic: string | undefined,
  body: (admin: TopicAdmin, topic: string, group: string) => Promise<T>,
) {
  const config = loadConfig(undefined, topic === undefined ? {} : { kafka: { topic } });
  const admin = new TopicAdmin(config.kafka);
  try {
    return await body(admin, config.kafka.topic, config.kafka.group);
  } finally {
    await admin.close();
  }
}

export function registerTopicCommand(program: Command): void {
  const topic = program
    .command('topic')
    .description('create, describe and grow the events topic (Kafka admin API)');

  topic
    .command('create')
    .description('create the topic; an existing topic with the same partition count is fine')
    .requiredOption('--partitions <n>', 'partition count', intOption(1, 10_000))
    .option('--replication-factor <n>', 'replicas per partition', intOption(1, 32), 1)
    .option('--topic <name>', 'topic (default: KAFKA_TOPIC)')
    .action(async (opts: { partitions: number; replicationFactor: number; topic?: string }) => {
      await withAdmin(opts.topic, async (admin, name) => {
        const outcome = await admin.create(name, opts.partitions, opts.replicationFactor);
        process.stdout.write(`${name}: ${outcome} with ${opts.partitions} partitions\n`);
      });
    });

  topic
    .command('describe')
    .description('partitions, end offsets and the consumer group lag')
    .option('--topic <name>', 'topic (default: KAFKA_TOPIC)')
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
    .description('grow the topic to N partitions in total (Kafka never shrinks a topic)')
    .requiredOption('--partitions <n>', 'new total partition count', intOption(1, 10_000))
    .option('--topic <name>', 'topic (default: KAFKA_TOPIC)')
    .action(async (opts: { partitions: number; topic?: string }) => {
      await withAdmin(opts.topic, async (admin, name) => {
        const before = await admin.scale(name, opts.partitions);
        process.stdout.write(
          before === opts.partitions
            ? `${name}: already has ${before} partitions\n`
            : `${name}: grown from ${before} to ${opts.partitions} partitions\n`,
        );
      });
    });
}
