import type { Config } from '../config/index.ts';
import type { WorkerStats } from './stats.ts';

export interface WorkerInit {
  config: Pick<Config, 'kafka' | 'mongo' | 'ingest' | 'store' | 'logLevel'>;
  workerId: number;
}

export type PoolToWorker = { type: 'stop'; graceMs: number };

export type WorkerToPool =
  | { type: 'started' }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };
