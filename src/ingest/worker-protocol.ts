import type { Config } from '../config/index.ts';
import type { MemoryPlan } from './memory-budget.ts';
import type { WorkerStats } from './stats.ts';

/** What a worker thread starts with: the configuration, its consumers' ids and their memory bounds. */
export interface WorkerInit {
  config: Pick<Config, 'kafka' | 'mongo' | 'ingest' | 'store' | 'logLevel'>;
  workerIds: number[];
  memory: Pick<MemoryPlan, 'bufferBytes' | 'batchBytes' | 'fetchBytes' | 'deviceCacheEntries'>;
}

export type PoolToWorker = { type: 'stop'; graceMs: number } | { type: 'add'; workerIds: number[] };

/** `workerId` names one consumer of the thread; `stopped` is the whole thread's. */
export type WorkerToPool =
  | { type: 'started'; workerId: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'stopped' }
  | { type: 'failed'; workerId: number; error: string };
