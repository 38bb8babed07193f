import type { Command } from 'commander';
import { runApiBench } from './api.ts';
import { runPointOpsBench } from './point-ops.ts';
import { printTable, withPeakRss, writeJson } from './report.ts';
import { runTimestampBench } from './timestamps.ts';
import { loadConfig } from '../src/config/index.ts';
import { intOption, listOption, numberOption } from '../src/cli/index.ts';
import { registerPipelineBench } from './cli-pipeline.ts';
import { registerPeersBench } from './peers.ts';
import { registerSoakBench } from './soak/cli.ts';
import { requireServices } from '../src/app/index.ts';

/** `ipstream bench <suite>`: every suite prints a table and writes JSON under bench-results/. */
export function registerBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: print a table and write JSON to bench-results/');

  registerPipelineBench(bench);
  registerPeersBench(bench);
  registerSoakBench(bench);

  bench
    .command('timestamps')
    .description('timestamp normalisation values/s on one core: ipstream vs a Date baseline vs date-fns')
    .option('--values <n>', 'values in the mix', intOption(1000, 10_000_000), 100_000)
    .option('--seconds <s>', 'measuring time (interleaved rounds)', numberOption(1, 600), 10)
    .action(async (opts: { values: number; seconds: number }) => {
      const report = withPeakRss(await runTimestampBench({ values: opts.values, seconds: opts.seconds }));
      printTable(report);
      process.stdout.write(`wrote ${await writeJson(report)}\n`);
    });

  bench
    .command('point-ops')
    .description(
      'find, update and replace by _id one at a time, as a collection grows (1k, 100k, 1M documents)',
    )
    .option(
      '--sizes <list>',
      'collection sizes, comma-separated',
      listOption(intOption(1, 10_000_000)),
      [1000, 100_000, 1_000_000],
    )
    .option('--ops <n>', 'operations of each kind per size', intOption(10, 100_000), 500)
    .action(async (opts: { sizes: number[]; ops: number }) => {
      const config = loadConfig();
      await requireServices(config);
      const report = withPeakRss(
        await runPointOpsBench({
          mongo: config.mongo,
          sizes: opts.sizes,
          ops: opts.ops,
          onProgress: (m) => process.stderr.write(`${m}\n`),
        }),
      );
      printTable(report);
      process.stdout.write(`wrote ${await writeJson(report)}\n`);
    });

  bench
    .command('api')
    .description(
      'analytics routes req/s and p50/p99 over a loaded data set (10M events, 1M addresses over 14 days by default), every answer checked',
    )
    .option('--events <n>', 'events to load', intOption(1000, 100_000_000), 10_000_000)
    .option('--ips <n>', 'distinct addresses (default: events / 10)', intOption(1, 100_000_000))
    .option('--days <n>', 'days the events span', intOption(8, 3650), 14)
    .option(
      '--without-events',
      'load only the read model, not the event documents (the API never reads them)',
    )
    .option('--seconds <s>', 'load per route', numberOption(0.5, 600), 5)
    .option(
      '--concurrency <n>',
      'HTTP clients of the throughput run (latency is measured with one)',
      intOption(1, 1024),
      8,
    )
    .option('--keep', 'keep the loaded database and reuse it on the next run with the same sizes')
    .action(
      async (opts: {
        events: number;
        ips?: number;
        days: number;
        withoutEvents?: boolean;
        seconds: number;
        concurrency: number;
        keep?: boolean;
      }) => {
        const config = loadConfig();
        await requireServices(config);
        const report = withPeakRss(
          await runApiBench({
            mongo: config.mongo,
            events: opts.events,
            ...(opts.ips === undefined ? {} : { ips: opts.ips }),
            hours: opts.days * 24,
            withEvents: opts.withoutEvents !== true,
            seconds: opts.seconds,
            concurrency: opts.concurrency,
            keep: opts.keep === true,
            onProgress: (m) => process.stderr.write(`${m}\n`),
          }),
        );
        printTable(report);
        process.stdout.write(`wrote ${await writeJson(report)}\n`);
      },
    );
}
