import type { Command } from 'commander';
import { type ConfigOverrides, flagDefault, loadConfig, SETTINGS } from '../../config/index.ts';
import { boundMainThreadHeap, requireServices, runIngest, untilStopSignal } from '../../app/index.ts';
import { formatStoreSteps, sumStats } from '../../ingest/index.ts';
import { createLogger } from '../../log/index.ts';
import { intOption, numberOption } from '../options.ts';

export interface IngestFlags {
  workers?: number;
  maxWorkers?: number;
  untilIdle?: number;
  flushInterval?: number;
  flushCount?: number;
  adaptive: boolean;
  topic?: string;
  group?: string;
  httpPort?: number;
}

/** The settings the flags given override; the others come from the environment. */
export function ingestOverrides(flags: IngestFlags): ConfigOverrides {
  return {
    kafka: { ...(flags.topic && { topic: flags.topic }), ...(flags.group && { group: flags.group }) },
    ingest: {
      ...(flags.workers && { workers: flags.workers }),
      ...(flags.httpPort !== undefined && { httpPort: flags.httpPort }),
      ...(flags.flushInterval && { flushIntervalMs: flags.flushInterval }),
      ...(flags.flushCount && { flushCount: flags.flushCount }),
      // Commander gives a --no- flag a default (true): only an explicit --no-adaptive overrides.
      ...(!flags.adaptive && { adaptive: false }),
    },
  };
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('consume the topic with N workers in one consumer group and store events in MongoDB')
    .option(
      '--workers <n>',
      `consumers in this process, two to a worker thread unless INGEST_THREADS says otherwise (${flagDefault(SETTINGS.ingest.workers)})`,
      intOption(1, 256),
    )
    .option(
      '--until-idle <seconds>',
      'exit 0 once every partition was idle this long and all offsets are committed',
      numberOption(0.1, 86_400),
    )
    .option(
      '--flush-interval <ms>',
      `flush when the oldest buffered record is this old (${flagDefault(SETTINGS.ingest.flushIntervalMs)})`,
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
    .option('--topic <name>', `topic (${flagDefault(SETTINGS.kafka.topic)})`)
    .option('--group <name>', `consumer group (${flagDefault(SETTINGS.kafka.group)})`)
    .option(
      '--http-port <p>',
      `serve /healthz, /readyz and /metrics on this port, 0: any free one (${flagDefault(SETTINGS.ingest.httpPort)}: none)`,
      intOption(0, 65535),
    )
    .action(async (flags: IngestFlags) => {
      const config = loadConfig(undefined, ingestOverrides(flags));
      const log = createLogger(config.logLevel, 'ingest');
      boundMainThreadHeap(config, log, flags.maxWorkers);
      await requireServices(config);
      const stop = untilStopSignal();
      const ingest = await runIngest(config, {
        log,
        ...(flags.maxWorkers !== undefined && { maxWorkers: flags.maxWorkers }),
        ...(config.ingest.httpPort !== undefined && {
          httpPort: config.ingest.httpPort,
          onHttp: (url: string) =>
            process.stdout.write(`health ${url}/healthz   ready ${url}/readyz   metrics ${url}/metrics\n`),
        }),
      });
      log.info(
        { workers: config.ingest.workers, topic: config.kafka.topic, group: config.kafka.group },
        'ingesting',
      );
      const started = Date.now();
      const ticker = setInterval(() => {
        const t = sumStats(ingest.pool.allStats());
        const secs = (Date.now() - started) / 1000;
        process.stderr.write(
          `ingest: consumed ${t.consumed} stored ${t.stored} dead ${t.deadLetters} dup ${t.duplicates} buffered ${t.buffered} writing ${t.writing} (${Math.round(t.consumed / secs)} rec/s)\n`,
        );
      }, 5000);
      const idle =
        flags.untilIdle === undefined
          ? new Promise<void>(() => undefined)
          : ingest.idle(flags.untilIdle * 1000, stop.received);
      await Promise.race([stop.signalled, idle]);
      log.info(
        { why: stop.received() ? 'signal' : 'idle' },
        'stopping: storing and committing what was read',
      );
      await ingest.stop();
      clearInterval(ticker);
      const t = sumStats(ingest.pool.allStats());
      process.stdout.write(
        `ingested: consumed ${t.consumed}, stored ${t.stored}, duplicates ${t.duplicates}, dead letters ${t.deadLetters}, left to other members ${t.leftToOthers}, flushes ${t.flushes} in ${((Date.now() - started) / 1000).toFixed(1)}s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
      );
      const steps = formatStoreSteps(t.storeStepMs);
      if (steps !== '') process.stdout.write(`store time by step: ${steps}\n`);
    });
}
