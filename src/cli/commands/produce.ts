import { existsSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { flagDefault, loadConfig, SETTINGS } from '../../config/index.ts';
import { ensureTopic, untilStopSignal } from '../../app/index.ts';
import { ConfigError } from '../../errors/index.ts';
import { asKafkaError, EventProducer, TopicAdmin } from '../../kafka/index.ts';
import {
  defaultUnackedPath,
  describeFailures,
  fileRecords,
  runProducer,
  syntheticRecords,
  UnackedLines,
} from '../../producer/index.ts';
import { intOption, numberOption } from '../options.ts';

interface ProduceFlags {
  count: number;
  rate: number;
  devices: number;
  partitions?: number;
  seed?: number;
  file?: string;
  failedOut?: string;
  topic?: string;
}

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('send synthetic device events (the seed formats) or a JSON Lines file to the topic')
    .option('--count <n>', 'synthetic events to send', intOption(1), 10_000)
    .option('--rate <r>', 'events per second (0 = as fast as possible)', numberOption(0), 0)
    .option('--devices <d>', 'distinct devices in the synthetic stream', intOption(1, 10_000_000), 1000)
    .option('--partitions <p>', 'create the topic with P partitions, or grow it to P', intOption(1, 10_000))
    .option('--seed <s>', 'seed for a reproducible stream (default: random)', intOption(0, 2 ** 31 - 1))
    .option('--file <path>', 'send each line of a .jsonl file as one record value, as is')
    .option(
      '--failed-out <path>',
      'with --file: where the lines the cluster did not acknowledge go (failed for good, or not sent because of a stop), so that `produce --file <path>` sends exactly those (default: beside the file, <name>.unacked.jsonl)',
    )
    .option('--topic <name>', `topic (${flagDefault(SETTINGS.kafka.topic)})`)
    .action(async (flags: ProduceFlags) => {
      if (flags.file !== undefined && !existsSync(flags.file))
        throw new ConfigError(`--file ${flags.file}: no such file`);
      if (flags.failedOut !== undefined && flags.file === undefined)
        throw new ConfigError('--failed-out needs --file (synthetic records can be made again with --seed)');
      if (flags.failedOut !== undefined && flags.failedOut === flags.file)
        throw new ConfigError('--failed-out must not be the --file it reads');
      const config = loadConfig(
        undefined,
        flags.topic === undefined ? {} : { kafka: { topic: flags.topic } },
      );
      const admin = new TopicAdmin(config.kafka);
      const { partitions } = await ensureTopic(admin, config.kafka.topic, flags.partitions)
        .catch((error: unknown) => {
          throw asKafkaError(error, config.kafka);
        })
        .finally(() => admin.close());
      const seed = flags.seed ?? randomInt(2 ** 31 - 1);
      const source =
        flags.file === undefined
          ? syntheticRecords({ count: flags.count, devices: flags.devices, seed })
          : fileRecords(flags.file);
      const total = flags.file === undefined ? flags.count : 0;

      const bar = new SingleBar(
        {
          format: total
            ? 'produce [{bar}] {percentage}% | {value}/{total} | {rate} rec/s | failed {failed}'
            : 'produce {value} records | {rate} rec/s | failed {failed}',
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0, { rate: 0, failed: 0 });
      const stop = untilStopSignal();

      const unacked =
        flags.file === undefined
          ? undefined
          : new UnackedLines(flags.failedOut ?? defaultUnackedPath(flags.file));
      const producer = new EventProducer(config.kafka);
      const summary = await runProducer(producer, source, {
        rate: flags.rate,
        isStopped: stop.received,
        onProgress: (p) =>
          bar.update(p.sent + p.failed, {
            rate: Math.round(p.sent / (p.elapsedMs / 1000)),
            failed: p.failed,
          }),
        ...(unacked !== undefined && { onUnacknowledged: (records) => unacked.append(records) }),
      }).finally(() => {
        unacked?.close();
        return producer.close();
      });
      bar.stop();

      process.stdout.write(
        `sent ${summary.sent} records to ${config.kafka.topic} (${partitions} partitions) in ${(summary.elapsedMs / 1000).toFixed(1)}s: ` +
          `${Math.round(summary.recordsPerSec)} records/s, ${summary.mbPerSec.toFixed(2)} MB/s` +
          (flags.file === undefined ? `, seed ${seed}` : '') +
          (summary.failed
            ? `; ${summary.failed} FAILED (${describeFailures(summary.failedByPartition)}): ${summary.errors[0]}`
            : '') +
          (summary.unsent ? `; ${summary.unsent} not sent (stopped)` : '') +
          '\n',
      );
      if (unacked !== undefined && unacked.lines > 0) {
        process.stdout.write(
          `${unacked.lines} lines not acknowledged are in ${unacked.path}; \`ipstream produce --file ${unacked.path}\` sends exactly those\n`,
        );
      }
      if (summary.failed > 0) process.exitCode = 1;
    });
}
