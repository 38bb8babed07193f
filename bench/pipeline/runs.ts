/**
 * The measured runs of the pipeline benchmark, each a child process (child.ts) in a fresh
 * consumer group, writing (where it stores) into the database of its stored level:
 *
 * - consume ceiling: W Ingestors whose writer stores nothing (fetch, decode, buffer, flush policy,
 *   offset commits: everything but the store);
 * - raw insert ceiling: the event documents of the same decoded events, one insertMany per batch
 *   into `events`, no read model, no Kafka: the store's own limit;
 * - store ceiling: EventStore.write from W threads, the same decoded events, no Kafka;
 * - end to end: W Ingestors writing to EventStore, as `ipstream ingest` runs them;
 * - the brief's design: bench/peers/brief/brief.py draining a topic of the same contents
 *   (brief.ts).
 *
 * Consume and end to end are timed from the first worker joining the group (no record is read
 * before) to the group's committed offsets reaching the end of every partition, polled every 50 ms
 * from this process; CPU time comes from /proc for the child alone, peak RSS from the child.
 * Statements are counted in the child (statements.ts); the store server's bytes written, resident
 * set and WAL size are sampled from /proc over the same interval (store-sampler.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/index.ts';
import { describeError } from '../../src/errors/index.ts';
import { EventProducer, type TopicAdmin } from '../../src/kafka/index.ts';
import { resolveStateDir } from '../../src/local-services/index.ts';
import type { EventsLayout, MongoHandle } from '../../src/store/index.ts';
import { runProducer } from '../../src/producer/index.ts';
import { MeasuredProcess, type ProcSample, readProcSample } from '../measured-process.ts';
import { type BenchStream, benchRecords } from './data.ts';
import { type BatchSetting, type ChildConfig, type ChildJob, type ChildLine, ingestFor } from './protocol.ts';
import {
  cpuBetween,
  emptyRow,
  type PipelineBenchRow,
  round,
  withCpu,
  withSizes,
  withStatements,
  withStoreUsage,
} from './row.ts';
import { ferretDataDir, StoreSampler, walPath } from '../store-sampler.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const POLL_MS = 50;

/** A filled topic: its name, end offsets by partition, and their sum. */
export interface Source {
  topic: string;
  ends: number[];
  total: number;
}

/** A database a phase writes into, and how it stores events. */
export interface Target {
  db: string;
  layout: EventsLayout;
}

/** The database a stored level's phases write into, and the devices it held before them. */
export interface Level extends Target {
  stored: number;
}

export interface Context {
  config: Config;
  admin: TopicAdmin;
  mongo: MongoHandle;
  /** The stream of the main topic (the consume ceiling's); phases shift its day and seed. */
  stream: BenchStream;
  /** The main topic: its name is the prefix of everything the run creates. */
  topic: string;
  partitions: number;
  /** End offsets of the main topic, by partition, and their sum. */
  ends: number[];
  total: number;
  runId: string;
  /** Longest a consume, store or end-to-end run may take before it is cut short (ms). */
  capMs: number;
  /** Everything to delete at the end. */
  dbs: string[];
  groups: string[];
  topics: string[];
  counter: number;
  failures: string[];
  /** What a reader of the table should know that is not a failure (notes of the report). */
  remarks: string[];
  /** Pids of the local services (`ipstream services up`), whose CPU time is sampled read-only. */
  servers: { store: number | null; kafka: number | null };
  /** The local FerretDB's data folder (for WAL sizes), null without a local store server. */
  dataDir: string | null;
}

/** The main topic as a Source. */
export function mainSource(ctx: Context): Source {
  return { topic: ctx.topic, ends: ctx.ends, total: ctx.total };
}

/** A new database name of this run, deleted at its end. */
export function freshDb(ctx: Context): string {
  const db = `ipsbench_${ctx.runId}_${++ctx.counter}`;
  ctx.dbs.push(db);
  return db;
}

/** Samples the store server over a phase writing into `db`. */
export function storeSampler(ctx: Context, db: string | null): StoreSampler {
  return new StoreSampler(
    ctx.servers.store,
    db === null || ctx.dataDir === null ? null : walPath(ctx.dataDir, db),
  );
}

/**
 * Creates `topic` and fills it with `stream` as fast as the broker takes it. Throws when records
 * failed; a topic holding more than was sent (the producer retried a batch that had landed) is
 * used as it is, with a remark: its phase counts every record in it.
 */
export async function fillTopic(ctx: Context, topic: string, stream: BenchStream): Promise<Source> {
  ctx.topics.push(topic);
  await ctx.admin.create(topic, ctx.partitions);
  const producer = new EventProducer({ ...ctx.config.kafka, topic }, 'bench-producer');
  const summary = await runProducer(producer, benchRecords(stream), { rate: 0 }).finally(() =>
    producer.close(),
  );
  const ends = await ctx.admin.offsets(topic, 'end');
  const total = ends.reduce((a, b) => a + b, 0);
  if (summary.failed > 0 || total < stream.count)
    throw new Error(
      `filling ${topic}: ${summary.failed} failed (${summary.errors[0] ?? ''}), ${total} of ${stream.count} in the topic`,
    );
  if (total !== stream.count)
    ctx.remarks.push(
      `${topic} holds ${total} records for ${stream.count} produced; its phase counts them all`,
    );
  return { topic, ends, total };
}

/** The environment of a child, from the typed config alone (nothing else leaks in). */
export function childEnv(config: ChildConfig): Record<string, string> {
  const { kafka, mongo, ingest, store } = config;
  return {
    EVENTS_LAYOUT: store.eventsLayout,
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_TOPIC: kafka.topic,
    KAFKA_GROUP: kafka.group,
    KAFKA_CLIENT_ID: kafka.clientId,
    MONGODB_URI: mongo.uri,
    MONGODB_DB: mongo.db,
    LOG_LEVEL: config.logLevel,
    INGEST_WORKERS: String(ingest.workers),
    FLUSH_INTERVAL_MS: String(ingest.flushIntervalMs),
    FLUSH_TARGET_MS: String(ingest.targetFlushMs),
    FLUSH_ADAPTIVE: String(ingest.adaptive),
    FLUSH_COUNT: String(ingest.flushCount),
    FLUSH_BYTES: String(ingest.flushBytes),
    INGEST_MEMORY_MB: String(ingest.memoryMb),
    ...(ingest.threads !== undefined && { INGEST_THREADS: String(ingest.threads) }),
    ...(ingest.maxBufferBytes !== undefined && { INGEST_MAX_BUFFER_BYTES: String(ingest.maxBufferBytes) }),
    MAX_RECORD_BYTES: String(ingest.maxRecordBytes),
  };
}

/** Marks the row failed (first line in the table) and keeps the whole story for the notes. */
export function failed(ctx: Context, row: PipelineBenchRow, error: unknown): void {
  const text = error instanceof Error ? error.message : describeError(error);
  row.error = text.split('\n')[0] ?? 'failed';
  ctx.failures.push(`${row.phase} stored=${row.stored} workers=${row.workers} batch=${row.batch}: ${text}`);
}

/** The pid of a service `ipstream services up` started, if it runs (read only). */
export function servicePid(stateDir: string, name: 'ferretdb' | 'kafka'): number | null {
  try {
    const pid = Number(readFileSync(join(resolveStateDir(stateDir), name, `${name}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && readProcSample(pid) !== null ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Reads the local services' pids again (and FerretDB's data folder): a shared service restarted
 * since the last phase has a new pid. Called before each phase.
 */
export function refreshServers(ctx: Context): void {
  const stateDir = ctx.config.services.stateDir;
  ctx.servers = { store: servicePid(stateDir, 'ferretdb'), kafka: servicePid(stateDir, 'kafka') };
  ctx.dataDir = ctx.servers.store === null ? null : ferretDataDir(ctx.servers.store, stateDir);
}

export interface ServerSample {
  store: ProcSample | null;
  kafka: ProcSample | null;
}

export function sampleServers(ctx: Context): ServerSample {
  const read = (pid: number | null): ProcSample | null => (pid === null ? null : readProcSample(pid));
  return { store: read(ctx.servers.store), kafka: read(ctx.servers.kafka) };
}

export function withServerUsage(row: PipelineBenchRow, from: ServerSample, to: ServerSample): void {
  const s = (ms: number | null): number | null => (ms === null ? null : round(ms / 1000));
  row.storeServerCpuS = s(cpuBetween(from.store, to.store));
  row.kafkaCpuS = s(cpuBetween(from.kafka, to.kafka));
}

/** A fresh consumer group of this run (deleted at its end). */
export function freshGroup(ctx: Context, what: string): string {
  const group = `${ctx.topic}-${++ctx.counter}-${what}`;
  ctx.groups.push(group);
  return group;
}

/**
 * A child config for one run: `topic` (the child's records' topic: consumed, or named in the ids
 * of a store run's events), a fresh group, the target's database and events layout (none: the
 * configured ones, unused), the flush settings of `batch`.
 */
export function runConfig(
  ctx: Context,
  what: string,
  workers: number,
  batch: BatchSetting,
  target: Target | null,
  topic: string,
): ChildConfig {
  const group = freshGroup(ctx, `${what}-w${workers}-b${batch}`);
  refreshServers(ctx);
  return {
    kafka: { ...ctx.config.kafka, topic, group },
    mongo: { ...ctx.config.mongo, db: target?.db ?? ctx.config.mongo.db },
    store: { ...ctx.config.store, eventsLayout: target?.layout ?? ctx.config.store.eventsLayout },
    ingest: { ...ingestFor(ctx.config.ingest, batch), workers },
    // info: the Ingestor logs "joined group", where the timing starts.
    logLevel: 'info',
  };
}

export function phaseTimeoutMs(ctx: Context): number {
  // Generous: FerretDB on a busy two-core machine can be slow; a hang must still end.
  return 120_000 + ctx.total * 5;
}

function parseChildLine(text: string): ChildLine | null {
  if (!text.startsWith('{')) return null;
  try {
    return JSON.parse(text) as ChildLine;
  } catch {
    return null;
  }
}

export function waitReady(ctx: Context, child: MeasuredProcess): Promise<unknown> {
  return child.waitForLine(
    'stdout',
    (t) => {
      const type = parseChildLine(t)?.type;
      return type === 'ready' || type === 'failed';
    },
    phaseTimeoutMs(ctx),
  );
}

export async function childResult(
  child: MeasuredProcess,
  timeoutMs: number,
): Promise<Extract<ChildLine, { type: 'result' }>> {
  const line = await child.waitForLine(
    'stdout',
    (t) => {
      const type = parseChildLine(t)?.type;
      return type === 'result' || type === 'failed';
    },
    timeoutMs,
  );
  const parsed = parseChildLine(line.text)!;
  if (parsed.type !== 'result') throw new Error(parsed.type === 'failed' ? parsed.error : 'unexpected line');
  return parsed;
}

export function spawnChild(job: ChildJob, profileDir?: string): MeasuredProcess {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  return new MeasuredProcess(
    process.execPath,
    [...profile, CHILD, JSON.stringify(job)],
    childEnv(job.config),
  );
}

/**
 * Consume ceiling (`mode` consume, no level) or end to end (`e2e`, into the level's database): from
 * the first "joined group" log line to every partition of `source` committed (or the cap), then
 * "stop" and the child's batch sizes, statements and peak RSS.
 */
export async function ingestRun(
  ctx: Context,
  mode: 'consume' | 'e2e',
  workers: number,
  batch: BatchSetting,
  source: Source,
  level: Level | null,
  profileDir?: string,
): Promise<PipelineBenchRow> {
  const row = emptyRow(mode, workers, batch, level?.stored ?? null, level?.layout ?? null);
  const config = runConfig(ctx, mode, workers, batch, level, source.topic);
  const child = spawnChild({ mode, config, workers }, profileDir);
  let sampler: StoreSampler | null = null;
  try {
    const joined = await child.waitForLine(
      'stderr',
      (t) => t.includes('"msg":"joined group"'),
      phaseTimeoutMs(ctx),
    );
    const from = child.sample();
    const serversFrom = sampleServers(ctx);
    if (level !== null) sampler = storeSampler(ctx, level.db);
    const deadline = joined.at + ctx.capMs;
    let committed = 0;
    let doneAt = joined.at;
    for (;;) {
      const offsets = await ctx.admin.committed(source.topic, config.kafka.group, ctx.partitions);
      doneAt = performance.now();
      committed = offsets.reduce<number>((n, c) => n + (c ?? 0), 0);
      if (committed >= source.total || doneAt > deadline) break;
      if (child.child.exitCode !== null || child.child.signalCode !== null)
        throw new Error(`the child exited before committing everything\n${child.tail()}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const to = child.sample();
    withServerUsage(row, serversFrom, sampleServers(ctx));
    row.events = committed;
    if (sampler !== null) withStoreUsage(row, sampler.stop());
    row.seconds = round((doneAt - joined.at) / 1000, 3);
    row.eventsPerSec = Math.round(committed / Math.max(row.seconds, 1e-3));
    const cpuMs = cpuBetween(from, to);
    if (cpuMs !== null) withCpu(row, cpuMs);
    if (committed < source.total) {
      row.error = `capped: ${committed} of ${source.total} committed after ${Math.round(row.seconds)} s`;
      // What the workers were doing when the cap came: a stalled group is a defect to explain.
      process.stderr.write(`${mode} ${row.error}; the child's last lines:\n${child.tail(60)}\n`);
    }
    // VmHWM so far: all a capped run reports, since it is killed rather than left to store its
    // backlog before exiting (minutes on a slow store).
    if (to !== null) row.peakRssMb = round(to.peakRssKb / 1024, 1);
    if (committed < source.total) return row;
    await waitReady(ctx, child);
    child.child.stdin?.write('stop\n');
    const result = await childResult(child, phaseTimeoutMs(ctx));
    await child.waitForExit(30_000);
    row.peakRssMb = round(result.maxRssKb / 1024, 1);
    withSizes(row, result.sizes);
    if (mode === 'e2e') {
      withStatements(row, result.statements);
      row.duplicates = result.sizes.duplicates;
    }
    if (result.sizes.storeRetries > 0 && row.error === null)
      row.error = `${result.sizes.storeRetries} store retries`;
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    sampler?.stop();
    child.kill();
  }
  return row;
}

/**
 * Store ceiling (`mode` store) or raw insert ceiling (`raw`): the child's own clock from "go" to
 * every worker done, no Kafka; the decoded events of `stream` as a consumer of `topic` would have
 * them (so with ids of that topic), written into the level's database.
 */
export async function storeCeiling(
  ctx: Context,
  mode: 'store' | 'raw',
  workers: number,
  batch: BatchSetting,
  level: Level,
  stream: BenchStream,
  topic: string,
): Promise<PipelineBenchRow> {
  const row = emptyRow(mode, workers, batch, level.stored, level.layout);
  const config = runConfig(ctx, mode, workers, batch, level, topic);
  const child = spawnChild({
    mode,
    config,
    workers,
    stream,
    partitions: ctx.partitions,
    maxMs: ctx.capMs,
  });
  let sampler: StoreSampler | null = null;
  try {
    await waitReady(ctx, child);
    const serversFrom = sampleServers(ctx);
    sampler = storeSampler(ctx, level.db);
    const result = await childResult(child, phaseTimeoutMs(ctx));
    const usage = sampler.stop();
    withServerUsage(row, serversFrom, sampleServers(ctx));
    await child.waitForExit(30_000);
    row.events = result.sizes.records;
    withStoreUsage(row, usage);
    withStatements(row, result.statements);
    row.seconds = round(result.elapsedMs / 1000, 3);
    row.eventsPerSec = Math.round(row.events / Math.max(row.seconds, 1e-3));
    withCpu(row, result.cpuMs);
    row.peakRssMb = round(result.maxRssKb / 1024, 1);
    withSizes(row, result.sizes);
    if (row.events < stream.count) {
      row.error = `capped: ${row.events} of ${stream.count} written after ${Math.round(row.seconds)} s`;
    } else if (result.sizes.storeRetries > 0) row.error = `${result.sizes.storeRetries} store retries`;
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    sampler?.stop();
    child.kill();
  }
  return row;
}

export async function dropDb(ctx: Context, name: string): Promise<void> {
  try {
    await ctx.mongo.client.db(name).dropDatabase();
    ctx.dbs = ctx.dbs.filter((d) => d !== name);
  } catch {
    // Retried with the rest at the end.
  }
}
