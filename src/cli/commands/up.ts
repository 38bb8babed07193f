import type { Command } from 'commander';
import { flagDefault, loadConfig, SETTINGS } from '../../config/index.ts';
import {
  boundMainThreadHeap,
  DEFAULT_PARTITIONS,
  runUp,
  untilStopSignal,
  upMaxWorkers,
} from '../../app/index.ts';
import { createLogger } from '../../log/index.ts';
import { intOption, numberOption } from '../options.ts';
import { stepReporter } from '../progress.ts';
interface UpFlags {
  demo?: boolean;
  demoRate: number;
  workers?: number;
  port?: number;
  partitions?: number;
  maxPartitions: number;
  maxWorkers?: number;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('everything: services (started if needed), ingest workers, HTTP API and dashboard')
    .option('--demo', 'also run a demo producer so that something moves')
    .option('--demo-rate <r>', 'demo events per second', numberOption(1, 100_000), 200)
    .option(
      '--workers <n>',
      `ingest consumers, two to a worker thread unless INGEST_THREADS says otherwise (${flagDefault(SETTINGS.ingest.workers)})`,
      intOption(1, 256),
    )
    .option('--port <p>', `HTTP port (${flagDefault(SETTINGS.http.port)})`, intOption(0, 65535))
    .option(
      '--partitions <p>',
      `partitions when the topic has to be created (default ${DEFAULT_PARTITIONS})`,
      intOption(1, 10_000),
    )
    .option(
      '--max-partitions <n>',
      'the partition autoscaler grows the topic up to n',
      intOption(1, 10_000),
      32,
    )
    .option(
      '--max-workers <n>',
      'workers are added up to n as the topic grows (default 4, or as many as INGEST_MEMORY_MB holds)',
      intOption(1, 256),
    )
    .action(async (flags: UpFlags) => {
      const config = loadConfig(undefined, {
        ...(flags.port !== undefined && { http: { port: flags.port } }),
        ...(flags.workers !== undefined && { ingest: { workers: flags.workers } }),
      });
      const log = createLogger(config.logLevel, 'up');
      const maxWorkers = flags.maxWorkers ?? upMaxWorkers(config);
      boundMainThreadHeap(config, log, maxWorkers);
      const stop = untilStopSignal();
      const up = await runUp(config, {
        log,
        step: stepReporter(),
        ...(flags.demo === true && { demoRate: flags.demoRate }),
        ...(flags.partitions !== undefined && { partitions: flags.partitions }),
        maxPartitions: flags.maxPartitions,
        maxWorkers,
      });
      process.stdout.write(
        `\n  dashboard  ${up.url}/\n  API docs   ${up.url}/docs\n\n  Ctrl-C stops everything.\n\n`,
      );
      await stop.signalled;
      await up.stop();
    });
}
