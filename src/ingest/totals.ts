import type { WorkerStats } from './stats.ts';

export interface PoolTotals {
  workers: number;
  consumed: number;
  stored: number;
  duplicates: number;
  /** Read, then left to the member their partition moved to. */
  leftToOthers: number;
  /** Left out of a batch to be read again after a rejoin. */
  readAgain: number;
  deadLetters: number;
  flushes: number;
  buffered: number;
  /** Taken from the buffers by flushes that are writing them now. */
  writing: number;
  storeRetries: number;
  commitFailures: number;
}

export function sumStats(stats: WorkerStats[]): PoolTotals {
  const t: PoolTotals = {
    workers: stats.length,
    consumed: 0,
    stored: 0,
    duplicates: 0,
    leftToOthers: 0,
    readAgain: 0,
    deadLetters: 0,
    flushes: 0,
    buffered: 0,
    writing: 0,
    storeRetries: 0,
    commitFailures: 0,
  };
  for (const s of stats) {
    t.consumed += s.consumed;
    t.stored += s.stored;
    t.duplicates += s.duplicates;
    t.leftToOthers += s.droppedForRebalance;
    t.deadLetters += s.deadLetters;
    t.flushes += s.flushes;
    t.buffered += s.buffered;
    t.writing += s.writing;
    t.readAgain += s.readAgain;
    t.storeRetries += s.storeRetries;
    t.commitFailures += s.commitFailures;
  }
  return t;
}
