import type { Command } from 'commander';
import { requireServices } from '../../src/app/index.ts';
import { intOption, numberOption } from '../../src/cli/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { EventsLayout } from '../../src/store/index.ts';
import { eventsLayout } from '../cli-pipeline.ts';
import { printTable } from '../report.ts';
import { runSoakBench } from './index.ts';

interface SoakFlags {
  minutes: number;
  rate: number;
  devices: number;
  partitions: number;
  workers?: number;
  memoryMb?: number;
  layout?: EventsLayout;
  seed: number;
  sampleSeconds: number;
  settleMinutes?: number;
  drainSeconds: number;
  out: string;
}

/** `ipstream bench soak`: a steady rate for minutes; the ingest process's RSS over time. */
export function registerSoakBench(bench: Command): void {
  bench
    .command('soak')
    .description(
      'an `ingest` process at a steady rate from many devices for minutes: its RSS over time (flat? under INGEST_MEMORY_MB?), whether it keeps up, and every record counted once',
    )
    .option('--minutes <m>', 'how long the producer sends', numberOption(0.1, 1440), 30)
    .option('--rate <r>', 'events per second', intOption(1, 1_000_000), 1500)
    .option('--devices <n>', 'distinct devices in the stream', intOption(1, 10_000_000), 1_000_000)
    .option('--partitions <n>', 'partitions of the fresh topic', intOption(1, 256), 4)
    .option('--workers <n>', 'consumers of the ingest process (default: INGEST_WORKERS)', intOption(1, 64))
    .option(
      '--memory-mb <mb>',
      "the ingest process's INGEST_MEMORY_MB, the bound judged (default: INGEST_MEMORY_MB)",
      intOption(64, 1_048_576),
    )
    .option('--layout <layout>', 'EVENTS_LAYOUT: documents or buckets (default: EVENTS_LAYOUT)', eventsLayout)
    .option('--seed <s>', 'seed of the synthetic stream', intOption(0, 2 ** 31 - 1), 11)
    .option('--sample-seconds <s>', 'time between samples', numberOption(0.5, 600), 10)
    .option(
      '--settle-minutes <m>',
      'samples before this are not judged (default: a third of --minutes)',
      numberOption(0, 1440),
    )
    .option(
      '--drain-seconds <s>',
      'longest wait for the backlog after the producer ends',
      numberOption(1, 86_400),
      300,
    )
    .option('--out <dir>', 'directory of the JSON and SVG results', 'bench-results')
    .action(async function (this: Command, flags: SoakFlags) {
      const settleMinutes = flags.settleMinutes ?? flags.minutes / 3;
      if (settleMinutes >= flags.minutes)
        this.error(
          `error: --settle-minutes ${settleMinutes} leaves nothing to judge of --minutes ${flags.minutes}`,
          { exitCode: 2 },
        );
      const config = loadConfig();
      await requireServices(config);
      const report = await runSoakBench({
        config,
        minutes: flags.minutes,
        rate: flags.rate,
        devices: flags.devices,
        partitions: flags.partitions,
        workers: flags.workers ?? config.ingest.workers,
        memoryMb: flags.memoryMb ?? config.ingest.memoryMb,
        layout: flags.layout ?? config.store.eventsLayout,
        seed: flags.seed,
        sampleSeconds: flags.sampleSeconds,
        settleMinutes,
        drainSeconds: flags.drainSeconds,
        out: flags.out,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      printTable(report);
      process.stdout.write(`wrote ${report.files.json}\nwrote ${report.files.svg}\n`);
    });
}
