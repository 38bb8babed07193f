/**
 * Messages between the pipeline benchmark, the child processes it measures (child.ts) and
 * their worker threads (worker.ts). Children speak JSON lines on stdout; workers use
 * postMessage.
 */
import type { Config } from '../../src/config/index.ts';
import type { BenchStream } from './data.ts';
import type { StatementCounts } from '../statements.ts';

export type BatchSetting = 'adaptive' | number;

export type ChildConfig = Pick<Config, 'kafka' | 'mongo' | 'ingest' | 'store' | 'logLevel'>;

/**
 * consume: W Ingestors (on threads as IngestPool places them) with a writer that stores nothing.
 * e2e: the same Ingestors writing to EventStore, as `ipstream ingest` does.
 * Both run until "stop" arrives on the child's stdin, then store and commit what they read.
 */
export interface IngestJob {
  mode: 'consume' | 'e2e';
  config: ChildConfig;
  workers: number;
}

/**
 * store: W threads write the decoded stream with EventStore.write, each its own partitions.
 * raw: the same batches of the same events, as the documents EventStore.write inserts (toEventDoc,
 * or in the buckets layout the buckets a first delivery inserts), through one insertMany each into
 * `events` and nothing else: the store's own insert limit.
 */
export interface StoreJob {
  mode: 'store' | 'raw';
  config: ChildConfig;
  workers: number;
  stream: BenchStream;
  partitions: number;
  /** Each worker stops starting new batches after this long (ms) and reports what it wrote. */
  maxMs: number;
}

export type ChildJob = IngestJob | StoreJob;

/**
 * One thread's share: `workerIds`, its consumers (ingest jobs: spread over threads as IngestPool
 * spreads them, INGEST_THREADS), or the one writer `workerId` and the partitions it `owned` (store
 * jobs).
 */
export type WorkerJob = ChildJob & { workerId: number; workerIds: number[]; owned: number[] };

/** Sizes of the batches one worker (or all of them) handed to the writer. */
export interface BatchSizes {
  flushes: number;
  records: number;
  min: number;
  max: number;
  /** Count limits of the flush policy at the end, one per worker. */
  finalCountLimits: number[];
  storeRetries: number;
  /** Events the store already held when a batch brought them again (records read twice). */
  duplicates: number;
}

export function emptySizes(): BatchSizes {
  return {
    flushes: 0,
    records: 0,
    min: Infinity,
    max: 0,
    finalCountLimits: [],
    storeRetries: 0,
    duplicates: 0,
  };
}

export function addBatch(sizes: BatchSizes, count: number): void {
  sizes.flushes++;
  sizes.records += count;
  if (count < sizes.min) sizes.min = count;
  if (count > sizes.max) sizes.max = count;
}

export function mergeSizes(all: readonly BatchSizes[]): BatchSizes {
  const total = emptySizes();
  for (const s of all) {
    total.flushes += s.flushes;
    total.records += s.records;
    total.min = Math.min(total.min, s.min);
    total.max = Math.max(total.max, s.max);
    total.finalCountLimits.push(...s.finalCountLimits);
    total.storeRetries += s.storeRetries;
    total.duplicates += s.duplicates;
  }
  return total;
}

export type ParentToWorker = { type: 'go' } | { type: 'stop' };

export type WorkerToParent =
  | { type: 'ready' }
  | { type: 'done'; sizes: BatchSizes; elapsedMs: number; statements: StatementCounts }
  | { type: 'failed'; error: string };

/** Lines a child prints on stdout (one JSON object each). */
export type ChildLine =
  | { type: 'ready' }
  | {
      type: 'result';
      sizes: BatchSizes;
      /** Store jobs: from the start signal to the last worker done (ms). */
      elapsedMs: number;
      /** Store jobs: CPU time of the whole process over elapsedMs (ms), all threads. */
      cpuMs: number;
      /** Peak resident set of the process (KiB). */
      maxRssKb: number;
      /**
       * Commands sent to the store by every worker (statements.ts): store and raw jobs from the
       * start signal on, e2e jobs all along.
       */
      statements: StatementCounts;
    }
  | { type: 'failed'; error: string };

/** The flush settings every stage of the benchmark applies for one batch setting. */
export function ingestFor(ingest: Config['ingest'], batch: BatchSetting): Config['ingest'] {
  return batch === 'adaptive'
    ? { ...ingest, adaptive: true }
    : { ...ingest, adaptive: false, flushCount: batch };
}

/** "adaptive" or a positive integer, as the CLI and the JSON report spell a batch setting. */
export function parseBatchSetting(text: string): BatchSetting | null {
  const t = text.trim();
  if (t === 'adaptive') return 'adaptive';
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}
