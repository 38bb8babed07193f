/**
 * The measured runs of the pipeline benchmark, each a child process (pipeline-child.ts) in a fresh
 * consumer group and, where it stores, a fresh database:
 *
 * - consume ceiling: W Ingestors whose writer stores nothing (fetch, decode, buffer, flush policy,
 *   offset commits: everything but the store);
 * - store ceiling: EventStore.write from W threads, the same decoded events, no Kafka;
 * - end to end: W Ingestors writing to EventStore, as `ipstream ingest` runs them.
 *
 * Consume and end to end are timed from the first worker joining the group (no record is read
 * before) to the group's committed offsets reaching the end of every partition, polled every 50 ms
 * from this process; CPU time comes from /proc for the child alone, peak RSS from the child.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/config/config.ts';
import { describeError } from '../src/errors/errors.ts';
import type { TopicAdmin } from '../src/kafka/admin.ts';
import { resolveStateDir } from '../src/services/paths.ts';
import type { MongoHandle } from '../src/store/mongo.ts';
import { MeasuredProcess, type ProcSample, readProcSample } from './measured-process.ts';
import type { BenchStream } from './pipeline-data.ts';
import {
  type BatchSetting,
  type ChildConfig,
  type ChildJob,
  type ChildLine,
  ingestFor,
} from './pipeline-protocol.ts';
import { cpuBetween, emptyRow, type PipelineBenchRow, round, withCpu, withSizes } from './pipeline-row.ts';

const CHILD = fileURLToPath(new URL('./pipeline-child.ts', import.meta.url));
const POLL_MS = 50;

export interface Context {
  config: Config;
  admin: TopicAdmin;
  mongo: MongoHandle;
  stream: BenchStream;
  topic: string;
  partitions: number;
  /** End offsets of the filled topic, by partition, and their sum. */
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
  /** Pids of the local services (`ipstream services up`), whose CPU time is sampled read-only. */
  servers: { store: number | null; kafka: number | null };
}

/** The environment of a child, from the typed config alone (nothing else leaks in). */
export function childEnv(config: ChildConfig): Record<string, string> {
  const { kafka, mongo, ingest } = config;
  return {
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
    INGEST_MAX_BUFFER_BYTES: String(ingest.maxBufferBytes),
    MAX_RECORD_BYTES: String(ingest.maxRecordBytes),
  };
}

/** Marks the row failed (first line in the table) and keeps the whole story for the notes. */
export function failed(ctx: Context, row: PipelineBenchRow, error: unknown): void {
  const text = error instanceof Error ? error.message : describeError(error);
  row.error = text.split('\n')[0] ?? 'failed';
  ctx.failures.push(`${row.phase} workers=${row.workers} batch=${row.batch}: ${text}`);
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

/** A child config for one run: fresh group and (if `withDb`) fresh database, flush settings of `batch`. */
export function runConfig(
  ctx: Context,
  what: string,
  workers: number,
  batch: BatchSetting,
  withDb: boolean,
): ChildConfig {
  const group = `${ctx.topic}-${++ctx.counter}-${what}-w${workers}-b${batch}`;
  ctx.groups.push(group);
  let db = ctx.config.mongo.db;
  if (withDb) {
    db = `ipsbench_${ctx.runId}_${ctx.counter}`;
    ctx.dbs.push(db);
  }
  return {
    kafka: { ...ctx.config.kafka, topic: ctx.topic, group },
    mongo: { ...ctx.config.mongo, db },
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
 * Consume ceiling (`mode` consume) or end to end (`e2e`): from the first "joined group" log line
 * to every partition committed (or the cap), then "stop" and the child's batch sizes and peak RSS.
 */
export async function ingestRun(
  ctx: Context,
  mode: 'consume' | 'e2e',
  workers: number,
  batch: BatchSetting,
  profileDir?: string,
): Promise<PipelineBenchRow> {
  const row = emptyRow(mode, workers, batch);
  const config = runConfig(ctx, mode, workers, batch, mode === 'e2e');
  const child = spawnChild({ mode, config, workers }, profileDir);
  try {
    const joined = await child.waitForLine(
      'stderr',
      (t) => t.includes('"msg":"joined group"'),
      phaseTimeoutMs(ctx),
    );
    const from = child.sample();
    const serversFrom = sampleServers(ctx);
    const deadline = joined.at + ctx.capMs;
    let committed = 0;
    let doneAt = joined.at;
    for (;;) {
      const offsets = await ctx.admin.committed(ctx.topic, config.kafka.group, ctx.partitions);
      doneAt = performance.now();
      committed = offsets.reduce<number>((n, c) => n + (c ?? 0), 0);
      if (committed >= ctx.total || doneAt > deadline) break;
      if (child.child.exitCode !== null || child.child.signalCode !== null)
        throw new Error(`the child exited before committing everything\n${child.tail()}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const to = child.sample();
    withServerUsage(row, serversFrom, sampleServers(ctx));
    row.events = committed;
    row.seconds = round((doneAt - joined.at) / 1000, 3);
    row.eventsPerSec = Math.round(committed / Math.max(row.seconds, 1e-3));
    const cpuMs = cpuBetween(from, to);
    if (cpuMs !== null) withCpu(row, cpuMs);
    if (committed < ctx.total)
      row.error = `capped: ${committed} of ${ctx.total} committed after ${Math.round(row.seconds)} s`;
    // VmHWM so far: all a capped run reports, since it is killed rather than left to store its
    // backlog before exiting (minutes on a slow store).
    if (to !== null) row.peakRssMb = round(to.peakRssKb / 1024, 1);
    if (committed < ctx.total) return row;
    await waitReady(ctx, child);
    child.child.stdin?.write('stop\n');
    const result = await childResult(child, phaseTimeoutMs(ctx));
    await child.waitForExit(30_000);
    row.peakRssMb = round(result.maxRssKb / 1024, 1);
    withSizes(row, result.sizes);
    if (result.sizes.storeRetries > 0 && row.error === null)
      row.error = `${result.sizes.storeRetries} store retries`;
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    child.kill();
    if (mode === 'e2e') await dropDb(ctx, config.mongo.db);
  }
  return row;
}

/** Store ceiling: the child's own clock from "go" to every worker done, no Kafka. */
export async function storeCeiling(
  ctx: Context,
  workers: number,
  batch: BatchSetting,
): Promise<PipelineBenchRow> {
  const row = emptyRow('store', workers, batch);
  const config = runConfig(ctx, 'store', workers, batch, true);
  const child = spawnChild({
    mode: 'store',
    config,
    workers,
    stream: ctx.stream,
    partitions: ctx.partitions,
    maxMs: ctx.capMs,
  });
  try {
    await waitReady(ctx, child);
    const serversFrom = sampleServers(ctx);
    const result = await childResult(child, phaseTimeoutMs(ctx));
    withServerUsage(row, serversFrom, sampleServers(ctx));
    await child.waitForExit(30_000);
    row.events = result.sizes.records;
    row.seconds = round(result.elapsedMs / 1000, 3);
    row.eventsPerSec = Math.round(row.events / Math.max(row.seconds, 1e-3));
    withCpu(row, result.cpuMs);
    row.peakRssMb = round(result.maxRssKb / 1024, 1);
    withSizes(row, result.sizes);
    if (row.events < ctx.stream.count) {
      row.error = `capped: ${row.events} of ${ctx.stream.count} written after ${Math.round(row.seconds)} s`;
    } else if (result.sizes.storeRetries > 0) row.error = `${result.sizes.storeRetries} store retries`;
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    child.kill();
    await dropDb(ctx, config.mongo.db);
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
