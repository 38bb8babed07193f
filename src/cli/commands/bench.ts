import type { Command } from 'commander';
import { printTable, writeJson } from '../../bench/report.ts';
import { runTimestampBench } from '../../bench/timestamps.ts';
import { numberOption, intOption } from '../options.ts';
import { registerPipelineBench } from './bench-pipeline.ts';

/** `ipstream bench <suite>`: every suite prints a table and writes JSON under bench-results/. */
export function registerBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: print a table and write JSON to bench-results/');

  registerPipelineBench(bench);

  bench
    .command('timestamps')
    .description('timestamp normalisation values/s on one core: ipstream vs a Date baseline vs date-fns')
    .option('--values <n>', 'values in the mix', intOption(1000, 10_000_000), 100_000)
    .option('--seconds <s>', 'measuring time (interleaved rounds)', numberOption(1, 600), 10)
    .action(async (opts: { values: number; seconds: number }) => {
      const report = await runTimestampBench({ values: opts.values, seconds: opts.seconds });
      printTable(report);
      process.stdout.write(`wrote ${await writeJson(report)}\n`);
    });
}
