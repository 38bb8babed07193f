/**
 * `runPipelineBench`: how fast events go from Kafka into the store, how close the whole pipeline
 * comes to the slower of its two halves and to the store's own insert limit, how that changes with
 * what is already stored, and how the brief's design does on the same backlog, side by side in one
 * run:
 *
 * 1. produce: a fresh topic is filled with N synthetic events (EventProducer via runProducer);
 * 2. per (workers, batch setting): the consume ceiling on that topic (it does not touch the store);
 * 3. per stored level (devices already stored: 0, 100k, 1M...): one database prefilled with the
 *    events and read model of that many devices, over the days before the measured streams, by the
 *    API benchmark's bulk loader (api-data.ts); then per (workers, batch setting) the raw insert
 *    ceiling, the store ceiling, end to end and (once per worker count) the brief's design, each on
 *    a stream of its own: its own topic name (so other ids), its own day and device pool (another
 *    seed), so no phase meets another's records, devices or buckets below the month;
 * 4. with `profileDir`: the end-to-end run of the largest worker count again under `--cpu-prof`;
 * 5. with `rate`: produce -> queryable latency at a steady rate (latency.ts).
 *
 * Everything it creates (topics, groups, databases) is named after the run and deleted at the end.
 */
import { writeFile } from 'node:fs/promises';
import { Admin } from '@platformatic/kafka';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { baseClientOptions, EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import { runProducer } from '../../src/producer/index.ts';
import { DEFAULT_START_MS } from '../../src/events/index.ts';
import {
  connectMongo,
  DAY_MS,
  detectStoreProfile,
  ensureSchema,
  type EventsLayout,
  recordedSchema,
} from '../../src/store/index.ts';
import { loadBenchData } from '../api-data.ts';
import { type ProfileSummary, readCpuProfiles, summarizeCpuProfiles } from '../cpu-profile.ts';
import {
  type BenchStream,
  benchRecords,
  PREFILL_DAYS,
  PREFILL_EVENTS_PER_DEVICE,
  phaseStreams,
  TIMESTAMP_SPREADS,
  type TimestampMode,
  streamDevices,
} from './data.ts';
import { briefRun } from './brief.ts';
import { LATENCY_POLL_MS, latencyRun } from './latency.ts';
import type { BatchSetting } from './protocol.ts';
import { emptyRow, fillRatios, type PipelineBenchRow, pipelineChart, round } from './row.ts';
import {
  type Context,
  dropDb,
  fillTopic,
  freshDb,
  ingestRun,
  type Level,
  failed,
  mainSource,
  servicePid,
  type Source,
  storeCeiling,
} from './runs.ts';
import { ferretDataDir } from '../store-sampler.ts';
import { type BenchReport, benchEnvironment, codeVersion, writeJson } from '../report.ts';

// What the rest of bench/ uses of this folder: the CLI's batch settings, and the peers benchmark's
// streams, children and table rounding.
export type { BenchStream } from './data.ts';
export { type BatchSetting, parseBatchSetting } from './protocol.ts';
export { round } from './row.ts';
export { childEnv, servicePid } from './runs.ts';

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
  /** How the events are stamped: spread over an hour (`backfill`, the default) or in one minute (`live`). */
  timestamps?: TimestampMode;
  /** Stored levels: devices already in the database when the store phases run (default [0]). */
  stored?: number[];
  /**
   * Events layouts (EVENTS_LAYOUT) the stored levels run in, one after another (default
   * [documents]); the brief runs once per level, in the first.
   */
  layouts?: EventsLayout[];
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
    ...(options.timestamps === 'live' ? { spreadMs: TIMESTAMP_SPREADS.live } : {}),
  };
  const admin = new TopicAdmin(config.kafka);
  const mongo = await connectMongo(config.mongo, 'ipstream-bench');
  const storePid = servicePid(config.services.stateDir, 'ferretdb');
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
    remarks: [],
    servers: {
      store: storePid,
      kafka: servicePid(config.services.stateDir, 'kafka'),
    },
    dataDir: storePid === null ? null : ferretDataDir(storePid, config.services.stateDir),
  };
  const levels = options.stored ?? [0];
  const layouts = options.layouts ?? ['documents'];
  const rows: PipelineBenchRow[] = [];
  const notes: string[] = [];
  let profile: ProfileSummary | undefined;
  const server = (await detectStoreProfile(mongo.db)).server;
  try {
    rows.push(await fill(ctx, progress));
    for (const workers of options.workers) {
      for (const batch of options.batch) {
        progress(`workers ${workers}, batch ${batch}: consume ceiling`);
        const consume = await ingestRun(ctx, 'consume', workers, batch, mainSource(ctx), null);
        rows.push(consume);
        progress(`  consume ${consume.eventsPerSec}/s${consume.error ? ` (${consume.error})` : ''}`);
      }
    }
    const configs = options.workers.flatMap((workers) => options.batch.map((batch) => ({ workers, batch })));
    for (const [l, layout] of layouts.entries())
      for (const stored of levels) {
        const level = await prefill(ctx, stored, layout, configs.length, rows, progress);
        if (level === null) continue;
        try {
          for (const [k, { workers, batch }] of configs.entries()) {
            const streams = phaseStreams(ctx.stream, k);
            const label = `stored ${stored}${layouts.length > 1 ? ` (${layout})` : ''}, workers ${workers}, batch ${batch}`;
            const name = (what: string): string => `${ctx.topic}-s${stored}-${layout[0]}-${what}${k}`;
            progress(`${label}: raw insert ceiling`);
            const raw = await storeCeiling(ctx, 'raw', workers, batch, level, streams.store, name('raw'));
            progress(`${label}: store ceiling`);
            const store = await storeCeiling(
              ctx,
              'store',
              workers,
              batch,
              level,
              streams.store,
              name('store'),
            );
            progress(`${label}: end to end`);
            const e2e = await onFilledTopic(
              ctx,
              name('e2e'),
              streams.e2e,
              emptyRow('e2e', workers, batch, stored),
              (source) => ingestRun(ctx, 'e2e', workers, batch, source, level),
            );
            rows.push(raw, store, e2e);
            const measured = [raw, store, e2e];
            // The brief has no batch setting and no layout: once per worker count, on the same records as e2e.
            if (options.batch.indexOf(batch) === 0 && l === 0) {
              progress(`${label}: the brief's design (${workers} consumer threads)`);
              const brief = await onFilledTopic(
                ctx,
                name('brief'),
                streams.e2e,
                emptyRow('brief', workers, null, stored),
                (source) => briefRun(ctx, workers, source, level, progress),
              );
              rows.push(brief);
              measured.push(brief);
            }
            progress(
              `${label}: ${measured.map((r) => `${r.phase} ${r.eventsPerSec}/s`).join(', ')}` +
                measured.map((r) => (r.error ? `\n  ${r.phase}: ${r.error}` : '')).join(''),
            );
          }
        } finally {
          await dropDb(ctx, level.db);
        }
      }
    if (options.profileDir !== undefined) {
      const workers = Math.max(...options.workers);
      const batch = options.batch[0]!;
      progress(`profiled end to end (workers ${workers}, batch ${batch}) into ${options.profileDir}`);
      const db = freshDb(ctx);
      const row = await ingestRun(
        ctx,
        'e2e',
        workers,
        batch,
        mainSource(ctx),
        { stored: 0, db, layout: layouts[0]! },
        options.profileDir,
      );
      await dropDb(ctx, db);
      row.error ??= 'profiled (slower)';
      rows.push(row);
      profile = summarizeCpuProfiles(await readCpuProfiles(options.profileDir));
    }
    if (options.rate !== undefined) {
      const workers = Math.max(...options.workers);
      const batch = options.batch.includes('adaptive') ? 'adaptive' : options.batch[0]!;
      const seconds = options.rateSeconds ?? 10;
      for (const layout of layouts) {
        progress(
          `steady rate: ${options.rate} events/s for ${seconds} s, workers ${workers}, batch ${batch}, ${layout}`,
        );
        const latency = await latencyRun(ctx, workers, batch, options.rate, seconds, layout);
        rows.push(latency.row);
        if (latency.note !== null) notes.push(`${layout}: ${latency.note}`);
      }
    }
  } finally {
    await cleanUp(ctx);
    await admin.close().catch(() => undefined);
    await mongo.close().catch(() => undefined);
  }
  fillRatios(rows);

  notes.push(
    'consume and e2e: from the first worker joining the group to every partition committed, polled every 50 ms; store: EventStore.write from W threads (each its partitions), no Kafka; raw: the same batches of the same events as EventStore.write inserts them in the layout (event documents, or buckets), one insertMany each into events, no read model: the events alone',
    "brief: bench/peers/brief/brief.py (kafka-python + pymongo, W consumer threads, one list, insert_many every 10 s) on a topic of the same records as e2e, into a collection of the level's database (empty: the design has no read model, and nothing but its own documents to insert); from its first consumer's first assignment to its last insert_many having inserted them all",
    `stored: devices already stored (their events, ${PREFILL_EVENTS_PER_DEVICE} per device over the ${PREFILL_DAYS} day(s) before, and read model, bulk-loaded as ingest would leave them); the phases of a level share its database in the order raw, store, e2e, brief, each with its own topic name, day and device pool`,
    'stmtPerEvent: statements sent to the store per event, counted in the child by command monitoring (inserted documents, update/delete statements, find, findAndModify; see statements), duplicates included; the brief: documents its insert_many calls inserted; duplicates (e2e): events written again that the store already held (read again after a rebalance)',
    "storeBytesPerEvent: the local FerretDB process's /proc io write_bytes over the phase / events (a shared server: other clients' writes count too); storePeakRssMb: its VmRSS sampled every 200 ms; peakWalMb: the level database's .sqlite-wal sampled likewise",
    'cpuS: the measured child alone, all threads; storeServerCpuS/kafkaCpuS: the local FerretDB and Kafka processes over the same interval; peakRssMb: the child',
    'vsCeiling = e2e / min(consume, store); vsRaw = store or e2e / raw; vsStored0 = events/s / the same at stored 0; timeVsBrief = e2e time / brief time for the same backlog; all within this run (a shared machine: compare ratios, not absolute numbers)',
    ...ctx.remarks,
    ...ctx.failures.map((f) => `failure: ${f}`),
  );
  if (options.rate !== undefined) {
    notes.push(
      `latency: sent_at (when the producer pulls the record) to the first poll of the totals' marks (every ${LATENCY_POLL_MS} ms) that counts it, for a sample of the records each poll finds counted`,
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
      timestamps: options.timestamps ?? 'backfill',
      stored: levels.join(','),
      layouts: layouts.join(','),
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
  const summary = await runProducer(producer, benchRecords(ctx.stream), { rate: 0 }).finally(() =>
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

/** Runs a phase on a topic filled for it; a topic that could not be filled fails the phase's row. */
async function onFilledTopic(
  ctx: Context,
  topic: string,
  stream: BenchStream,
  row: PipelineBenchRow,
  run: (source: Source) => Promise<PipelineBenchRow>,
): Promise<PipelineBenchRow> {
  let source: Source;
  try {
    source = await fillTopic(ctx, topic, stream);
  } catch (error) {
    failed(ctx, row, error);
    return row;
  }
  return run(source);
}

/**
 * A database holding `stored` devices, each with at least one of the level's events, over the
 * PREFILL_DAYS before the phases' first day, none of them a device of a phase stream: the prefill
 * row (its load time) goes into `rows`.
 */
async function prefill(
  ctx: Context,
  stored: number,
  layout: EventsLayout,
  configs: number,
  rows: PipelineBenchRow[],
  progress: (m: string) => void,
): Promise<Level | null> {
  const db = freshDb(ctx);
  const handle = ctx.mongo.client.db(db);
  const row = emptyRow('prefill', null, null, stored, layout);
  if (stored === 0) {
    await ensureSchema(handle);
    await recordedSchema(handle, { layout });
    return { stored, db, layout };
  }
  const events = stored * PREFILL_EVENTS_PER_DEVICE;
  progress(
    `stored ${stored}: prefilling ${db} with ${stored} devices, ${events} events and their read model`,
  );
  const excludeIps = new Set<string>();
  for (let k = 0; k < configs; k++) {
    const streams = phaseStreams(ctx.stream, k);
    for (const ip of [...streamDevices(streams.store), ...streamDevices(streams.e2e)]) excludeIps.add(ip);
  }
  const firstDay = Math.floor(DEFAULT_START_MS / DAY_MS) * DAY_MS;
  let next = events / 10;
  const loaded = await loadBenchData(handle, {
    events,
    ips: stored,
    hours: PREFILL_DAYS * 24,
    endMs: firstDay,
    partitions: ctx.partitions,
    seed: ctx.stream.seed + 1_000_003,
    withEvents: true,
    eventsLayout: layout,
    everyIp: true,
    excludeIps,
    onProgress: (written) => {
      if (written < next) return;
      progress(`  ${written} of ${events} events planned and written`);
      next += events / 10;
    },
  }).catch((error: unknown) => {
    // The level is skipped, the others still run.
    failed(ctx, row, error);
    rows.push(row);
    return null;
  });
  if (loaded === null) {
    await dropDb(ctx, db);
    return null;
  }
  row.events = events;
  row.seconds = round(loaded.loadSeconds, 3);
  row.eventsPerSec = Math.round(events / Math.max(loaded.loadSeconds, 1e-3));
  rows.push(row);
  progress(`stored ${stored}: loaded in ${Math.round(loaded.loadSeconds)} s`);
  return { stored, db, layout };
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
