import { STORE_STEPS } from '../store/index.ts';
import { countIn, type WorkerStats } from './stats.ts';

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
  /** Store write time by step (ms), every worker's summed. */
  storeStepMs: Record<string, number>;
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
    storeStepMs: {},
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
    for (const [step, ms] of Object.entries(s.storeStepMs)) countIn(t.storeStepMs, step, ms);
  }
  return t;
}

/**
 * Store write time by step as one line, in the order a write takes them, with each step's share:
 * `insert 1.2 s (10%), lease 3.1 s (26%), ...`. Empty when nothing was written.
 */
export function formatStoreSteps(stepMs: Readonly<Record<string, number>>): string {
  const total = Object.values(stepMs).reduce((a, b) => a + b, 0);
  if (total <= 0) return '';
  const known: readonly string[] = STORE_STEPS;
  const steps = [...STORE_STEPS, ...Object.keys(stepMs).filter((s) => !known.includes(s))];
  return steps
    .filter((step) => (stepMs[step] ?? 0) > 0)
    .map((step) => {
      const ms = stepMs[step]!;
      return `${step} ${(ms / 1000).toFixed(1)} s (${Math.round((100 * ms) / total)}%)`;
    })
    .join(', ');
}
