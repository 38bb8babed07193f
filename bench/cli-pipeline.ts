import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../src/config/index.ts';
import {
  type BatchSetting,
  type PipelineBenchResult,
  parseBatchSetting,
  runPipelineBench,
} from './pipeline/index.ts';
import { TIMESTAMP_SPREADS, type TimestampMode } from './pipeline/data.ts';
import { printTable } from './report.ts';
import { intOption, listOption, numberOption } from '../src/cli/index.ts';
import { requireServices } from '../src/app/index.ts';
import { EVENTS_LAYOUTS, type EventsLayout } from '../src/store/index.ts';

interface PipelineFlags {
  events: number;
  devices: number;
  timestamps: TimestampMode;
  stored: number[];
  layout: EventsLayout[];
  partitions: number;
  workers: number[];
  batch: BatchSetting[];
  rate?: number;
  rateSeconds: number;
  profile?: string;
  maxPhaseSeconds: number;
  out: string;
}

function batchSetting(raw: string): BatchSetting {
  const setting = parseBatchSetting(raw);
  if (setting === null || (setting !== 'adaptive' && setting > 1_000_000))
    throw new InvalidArgumentError(`expected "adaptive" or a record count 1..1000000, got "${raw}"`);
  return setting;
}

function timestampMode(raw: string): TimestampMode {
  if (!Object.hasOwn(TIMESTAMP_SPREADS, raw))
    throw new InvalidArgumentError(
      `expected one of ${Object.keys(TIMESTAMP_SPREADS).join(', ')}, got "${raw}"`,
    );
  return raw as TimestampMode;
}

export function eventsLayout(raw: string): EventsLayout {
  const layout = EVENTS_LAYOUTS.find((l) => l === raw.trim());
  if (layout === undefined)
    throw new InvalidArgumentError(`expected ${EVENTS_LAYOUTS.join(' or ')}, got "${raw}"`);
  return layout;
}

function printProfile(result: PipelineBenchResult): void {
  const profile = result.profile;
  if (profile === undefined) return;
  const busy = profile.totalMs - profile.idleMs;
  const lines = [
    `profile: ${Math.round(busy)} ms busy over all threads`,
    ...profile.categories.slice(0, 12).map((c) => `  ${c.pct.toFixed(1).padStart(5)}%  ${c.category}`),
    'hottest functions (self time):',
    ...profile.functions.slice(0, 15).map((f) => `  ${f.pct.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `bench pipeline` (one configuration, N = 100k from 10k devices, at 0, 100k and 1M devices already
 * stored, by default) and `bench grid` (the default of `ipstream bench`, so `npm run bench`:
 * workers 1/2/4 × fixed batches vs adaptive over a smaller N, nothing stored before, that finishes
 * in minutes on two cores). Same flags, different defaults.
 */
export function registerPipelineBench(bench: Command): void {
  const add = (
    name: string,
    description: string,
    defaults: {
      events: number;
      devices: number;
      workers: string;
      batch: string;
      stored: string;
      maxPhaseSeconds: number;
    },
    isDefault: boolean,
  ) =>
    bench
      .command(name, { isDefault })
      .description(description)
      .option('--events <n>', 'events in the filled topic', intOption(1000, 100_000_000), defaults.events)
      .option(
        '--devices <n>',
        'distinct devices in each synthetic stream',
        intOption(1, 10_000_000),
        defaults.devices,
      )
      .option(
        '--timestamps <mode>',
        'event times: "backfill" spreads them over an hour, "live" puts them all in one minute',
        timestampMode,
        'backfill' as TimestampMode,
      )
      .option(
        '--layout <list>',
        'events layouts (EVENTS_LAYOUT) the stored levels run in, comma-separated: documents and/or buckets (default documents)',
        listOption(eventsLayout),
      )
      .option('--partitions <n>', 'partitions of the topic', intOption(1, 256), 4)
      .option(
        '--workers <list>',
        `worker counts, comma-separated (default ${defaults.workers})`,
        listOption(intOption(1, 64)),
      )
      .option(
        '--batch <list>',
        `"adaptive" and/or fixed records per flush (default ${defaults.batch})`,
        listOption(batchSetting),
      )
      .option(
        '--stored <list>',
        `devices already stored before the store phases, one prefilled database per level, comma-separated (default ${defaults.stored})`,
        listOption(intOption(0, 10_000_000)),
      )
      .option(
        '--rate <r>',
        'also measure produce -> queryable latency at this many events/s',
        numberOption(1, 1_000_000),
      )
      .option('--rate-seconds <s>', 'length of the steady-rate run', numberOption(1, 3600), 10)
      .option('--profile <dir>', 'profile one more end-to-end run (node --cpu-prof) into this directory')
      .option(
        '--max-phase-seconds <s>',
        'cap on one consume, store or e2e run (s)',
        numberOption(5, 86_400),
        defaults.maxPhaseSeconds,
      )
      .option('--out <dir>', 'directory of the JSON and SVG results', 'bench-results')
      .action(
        async (
          flags: Partial<PipelineFlags> & Omit<PipelineFlags, 'workers' | 'batch' | 'stored' | 'layout'>,
        ) => {
          const config = loadConfig();
          await requireServices(config);
          const result = await runPipelineBench({
            events: flags.events,
            devices: flags.devices,
            timestamps: flags.timestamps,
            stored: flags.stored ?? listOption(intOption(0, 10_000_000))(defaults.stored),
            layouts: [...new Set<EventsLayout>(flags.layout ?? ['documents'])],
            partitions: flags.partitions,
            workers: flags.workers ?? listOption(intOption(1, 64))(defaults.workers),
            batch: flags.batch ?? listOption(batchSetting)(defaults.batch),
            ...(flags.rate === undefined ? {} : { rate: flags.rate }),
            rateSeconds: flags.rateSeconds,
            ...(flags.profile === undefined ? {} : { profileDir: flags.profile }),
            maxPhaseSeconds: flags.maxPhaseSeconds,
            out: flags.out,
            config,
            onProgress: (m) => process.stderr.write(`${m}\n`),
          });
          printTable(result);
          printProfile(result);
          process.stdout.write(`wrote ${result.files.json}\nwrote ${result.files.svg}\n`);
        },
      );

  add(
    'grid',
    'the pipeline grid (default of `ipstream bench`): workers 1,2,4 × adaptive vs fixed batches, N=10k, 30 s cap per run',
    {
      events: 10_000,
      devices: 1000,
      workers: '1,2,4',
      batch: 'adaptive,1000,5000',
      stored: '0',
      maxPhaseSeconds: 30,
    },
    true,
  );
  add(
    'pipeline',
    "producer, consume, raw insert and store ceilings, end to end and the brief's design: events/s, statements and bytes per event, CPU, RSS, at 0, 100k and 1M devices stored",
    {
      events: 100_000,
      devices: 10_000,
      workers: '2',
      batch: 'adaptive',
      stored: '0,100000,1000000',
      maxPhaseSeconds: 300,
    },
    false,
  );
}
