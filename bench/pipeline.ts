/**
 * `runPipelineBench`: how fast events go from Kafka into the store, and how close the whole pipeline
 * comes to the slower of its two halves, measured side by side in one run:
 *
 * 1. produce: a fresh topic is filled with N synthetic events (EventProducer via runProducer);
 * 2. per (workers, batch setting) of the grid: consume ceiling, store ceiling and end to end (see
 *    pipeline-runs.ts), each in a fresh consumer group or database;
 * 3. with `profileDir`: the end-to-end run of the largest worker count again under `--cpu-prof`;
 * 4. with `rate`: produce -> queryable latency at a steady rate (pipeline-latency.ts).
 *
 * Everything it creates (topics, groups, databases) is named after the run and deleted at the end.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { type Config, loadConfig } from '../src/config/config.ts';
import { TopicAdmin } from '../src/kafka/admin.ts';
import { baseClientOptions } from '../src/kafka/client-options.ts';
import { EventProducer } from '../src/kafka/producer.ts';
import { runProducer } from '../src/producer/run.ts';
import { syntheticRecords } from '../src/producer/sources.ts';
import { detectStoreProfile } from '../src/store/backend.ts';
import { connectMongo } from '../src/store/mongo.ts';
import { type ProfileSummary, readCpuProfiles, summarizeCpuProfiles } from './cpu-profile.ts';
import type { BenchStream } from './pipeline-data.ts';
import { LATENCY_POLL_MS, latencyRun } from './pipeline-latency.ts';
import type { BatchSetting } from './pipeline-protocol.ts';
import { emptyRow, fillRatios, type PipelineBenchRow, pipelineChart, round } from './pipeline-row.ts';
import { type Context, dropDb, ingestRun, servicePid, storeCeiling } from './pipeline-runs.ts';
import { type BenchReport, benchEnvironment, writeJson } from './report.ts';

export interface PipelineBenchOptions {
  /** Events in the filled topic (N). */
  events: number;
  partitions: number;
  /** Worker counts of the grid, e.g. [1, 2, 4]. */
  workers: number[];
  /** Batch settings of the grid: a fixed record count per flush, or the adaptive policy. */
  batch: BatchSetting[];
  /** Events/s of a steady-rate run measuring produce -> queryable latency; none without it. */
  rate?: number;
  /** Length of the steady-rate run in seconds (default 10). */
  rateSeconds?: number;
  /** Distinct devices in the synthetic stream (default 1000). */
  devices?: number;
  seed?: number;
  /** Directory of the JSON and SVG results (default bench-results). */
  out?: string;
  /** Longest one consume, store or end-to-end run may take (default 300 s); a slower one is capped. */
  maxPhaseSeconds?: number;
  /** Services and flush settings (default: loadConfig() from the environment). */
  config?: Config;
  /** Profile one more end-to-end run (largest worker count, first batch setting) into this directory. */
  profileDir?: string;
  onProgress?: (message: string) => void;
}

export interface PipelineBenchResult extends BenchReport<PipelineBenchRow> {
  files: { json: string; svg: string };
  /** Hot functions of the profiled end-to-end run (with profileDir). */
  profile?: ProfileSummary;
}

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const config = options.config ?? loadConfig();
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const runId = Date.now().toString(36);
  const stream: BenchStream = {
    count: options.events,
    devices: options.devices ?? 1000,
    seed: options.seed ?? 20240918,
  };
  const admin = new TopicAdmin(config.kafka);
  const mongo = await connectMongo(config.mongo, 'ipstream-bench');
  const ctx: Context = {
    config,
    admin,
    mongo,
    stream,
    topic: `ipstream-bench-${runId}`,
    partitions: options.partitions,
    ends: [],
    total: 0,
    runId,
    capMs: (options.maxPhaseSeconds ?? 300) * 1000,
    dbs: [],
    groups: [],
    topics: [],
    counter: 0,
    failures: [],
    servers: {
      store: servicePid(config.services.stateDir, 'ferretdb'),
      kafka: servicePid(config.services.stateDir, 'kafka'),
    },
  };
  const rows: PipelineBenchRow[] = [];
  const notes: string[] = [];
  let profile: ProfileSummary | undefined;
  const server = (await detectStoreProfile(mongo.db)).server;
  try {
    rows.push(await fill(ctx, progress));
    for (const workers of options.workers) {
      for (const batch of options.batch) {
        const label = `workers ${workers}, batch ${batch}`;
        progress(`${label}: consume ceiling`);
        const consume = await ingestRun(ctx, 'consume', workers, batch);
        progress(`${label}: store ceiling`);
        const store = await storeCeiling(ctx, workers, batch);
        progress(`${label}: end to end`);
        const e2e = await ingestRun(ctx, 'e2e', workers, batch);
        rows.push(consume, store, e2e);
        progress(
          `${label}: consume ${consume.eventsPerSec}/s, store ${store.eventsPerSec}/s, e2e ${e2e.eventsPerSec}/s` +
            [consume, store, e2e].map((r) => (r.error ? `\n  ${r.phase}: ${r.error}` : '')).join(''),
        );
      }
    }
    if (options.profileDir !== undefined) {
      const workers = Math.max(...options.workers);
      const batch = options.batch[0]!;
      progress(`profiled end to end (workers ${workers}, batch ${batch}) into ${options.profileDir}`);
      const row = await ingestRun(ctx, 'e2e', workers, batch, options.profileDir);
      row.error ??= 'profiled (slower)';
      rows.push(row);
      profile = summarizeCpuProfiles(await readCpuProfiles(options.profileDir));
    }
    if (options.rate !== undefined) {
      const workers = Math.max(...options.workers);
      const batch = options.batch.includes('adaptive') ? 'adaptive' : options.batch[0]!;
      const seconds = options.rateSeconds ?? 10;
      progress(`steady rate: ${options.rate} events/s for ${seconds} s, workers ${workers}, batch ${batch}`);
      const latency = await latencyRun(ctx, workers, batch, options.rate, seconds);
      rows.push(latency.row);
      if (latency.note !== null) notes.push(latency.note);
    }
  } finally {
    await cleanUp(ctx);
    await admin.close().catch(() => undefined);
    await mongo.close().catch(() => undefined);
  }
  fillRatios(rows);

  notes.push(
    'consume and e2e: from the first worker joining the group to every partition committed, polled every 50 ms; store: EventStore.write from W threads (each its partitions), no Kafka',
    'cpuS: the measured child alone, all threads; storeServerCpuS/kafkaCpuS: the local FerretDB and Kafka processes over the same interval; peakRssMb: the child',
    'vsCeiling = e2e / min(consume, store) of the same configuration; the machine is shared, so compare ratios within one run',
    ...ctx.failures.map((f) => `failure: ${f}`),
  );
  if (options.rate !== undefined) {
    notes.push(
      `latency: sent_at (when the producer pulls the record) to first seen by polling events by _id every ${LATENCY_POLL_MS} ms`,
    );
  }
  const report: BenchReport<PipelineBenchRow> = {
    name: 'pipeline',
    startedAt,
    environment: benchEnvironment(),
    params: {
      events: options.events,
      partitions: options.partitions,
      devices: stream.devices,
      workers: options.workers.join(','),
      batch: options.batch.join(','),
      rate: options.rate ?? null,
      store: server,
      code: codeVersion(),
      flushIntervalMs: config.ingest.flushIntervalMs,
      targetFlushMs: config.ingest.targetFlushMs,
    },
    rows,
    notes,
  };
  const json = await writeJson(report, options.out);
  const svg = json.replace(/\.json$/, '.svg');
  await writeFile(svg, pipelineChart(report));
  return { ...report, files: { json, svg }, ...(profile === undefined ? {} : { profile }) };
}

/** Creates the topic and fills it as fast as the broker takes it: the producer row. */
async function fill(ctx: Context, progress: (m: string) => void): Promise<PipelineBenchRow> {
  progress(`creating ${ctx.topic} (${ctx.partitions} partitions), producing ${ctx.stream.count} events`);
  ctx.topics.push(ctx.topic);
  await ctx.admin.create(ctx.topic, ctx.partitions);
  const producer = new EventProducer({ ...ctx.config.kafka, topic: ctx.topic }, 'bench-producer');
  const cpu = process.cpuUsage();
  const summary = await runProducer(producer, syntheticRecords(ctx.stream), { rate: 0 }).finally(() =>
    producer.close(),
  );
  const used = process.cpuUsage(cpu);
  ctx.ends = await ctx.admin.offsets(ctx.topic, 'end');
  ctx.total = ctx.ends.reduce((a, b) => a + b, 0);
  const row = emptyRow('produce', null, null);
  row.events = summary.sent;
  row.seconds = round(summary.elapsedMs / 1000, 3);
  row.eventsPerSec = Math.round(summary.recordsPerSec);
  row.mbPerSec = round(summary.mbPerSec);
  row.cpuS = round((used.user + used.system) / 1e6);
  row.cpuUsPerEvent = round((used.user + used.system) / Math.max(1, summary.sent), 1);
  if (summary.failed > 0) row.error = `${summary.failed} failed: ${summary.errors[0] ?? ''}`;
  else if (ctx.total !== summary.sent)
    row.error = `the topic holds ${ctx.total} records for ${summary.sent} sent`;
  progress(`produced ${summary.sent} events: ${row.eventsPerSec} events/s, ${row.mbPerSec} MB/s`);
  if (ctx.total === 0) throw new Error('the topic is empty after producing');
  return row;
}

/** The commit measured, "+dirty" when the sources differ from it; null outside a git checkout. */
function codeVersion(): string | null {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'bench'], {
      cwd,
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? head : `${head}+dirty`;
  } catch {
    return null;
  }
}

async function cleanUp(ctx: Context): Promise<void> {
  for (const db of [...ctx.dbs]) await dropDb(ctx, db);
  await Promise.all(ctx.topics.map((t) => ctx.admin.deleteTopic(t).catch(() => undefined)));
  if (ctx.groups.length > 0) {
    const admin = new Admin(baseClientOptions(ctx.config.kafka, 'bench-admin'));
    await admin.deleteGroups({ groups: ctx.groups }).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}
