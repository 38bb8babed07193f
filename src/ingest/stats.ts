import { IpstreamError } from '../errors/index.ts';

/** Counters one ingest worker reports to its pool (and the pool to /metrics and /api/v1/pipeline). */
export interface WorkerStats {
  workerId: number;
  memberId: string | null;
  assigned: { topic: string; partitions: number[] }[];
  consumed: number;
  stored: number;
  duplicates: number;
  deadLetters: number;
  /**
   * Dead letters of each flushed batch, by the reason they were refused (`INVALID_JSON`, ...), as
   * this worker decoded them: a record Kafka delivers again counts again.
   */
  deadLetterReasons: Record<string, number>;
  flushes: number;
  flushReasons: Record<string, number>;
  /** Records and bytes of the batches flushed (sent to the store): batch sizes over time. */
  flushedRecords: number;
  flushedBytes: number;
  lastFlush: { count: number; bytes: number; writeMs: number; at: number } | null;
  /** Recent store write durations (ms), newest last, for latency histograms. */
  recentWriteMs: number[];
  storeRetries: number;
  /** MongoDB clients replaced after the store was unreachable for 20 s running. */
  storeClientsReplaced: number;
  /**
   * Store operations that failed, keyed `<outcome>:<error>`: outcome `retried` (tried again) or
   * `failed` (given up: the batch stays uncommitted), error the error's class or code
   * (`MongoNetworkError`, `STORE_REJECTED`).
   */
  storeErrors: Record<string, number>;
  /** Store write time by step (ms, summed over flushes; steps in src/store/step-clock.ts). */
  storeStepMs: Record<string, number>;
  commitFailures: number;
  consumerRestarts: number;
  /** Buffered records left to the member a partition moved to, not stored here. */
  droppedForRebalance: number;
  /**
   * Records a flush left out of its batch to be read again after a rejoin (their partition would
   * have had a gap, see gap-guard.ts), not stored here.
   */
  readAgain: number;
  buffered: number;
  /** Records of the flush being written now: taken from the buffer, not yet stored. */
  writing: number;
  bufferedBytes: number;
  paused: boolean;
  policy: { countLimit: number; bytesLimit: number; maxAgeMs: number };
  lastRecordAt: number | null;
}

export function emptyStats(workerId: number): WorkerStats {
  return {
    workerId,
    memberId: null,
    assigned: [],
    consumed: 0,
    stored: 0,
    duplicates: 0,
    deadLetters: 0,
    deadLetterReasons: {},
    flushes: 0,
    flushReasons: {},
    flushedRecords: 0,
    flushedBytes: 0,
    lastFlush: null,
    recentWriteMs: [],
    storeRetries: 0,
    storeClientsReplaced: 0,
    storeErrors: {},
    storeStepMs: {},
    commitFailures: 0,
    consumerRestarts: 0,
    droppedForRebalance: 0,
    readAgain: 0,
    buffered: 0,
    writing: 0,
    bufferedBytes: 0,
    paused: false,
    policy: { countLimit: 0, bytesLimit: 0, maxAgeMs: 0 },
    lastRecordAt: null,
  };
}

/**
 * `total` with the counters of an exited worker added (a new object): the pool keeps one such
 * total for every worker that has exited, so its totals never go backwards and its memory does
 * not grow with each replacement. What describes a live worker (assignment, buffer, policy) is
 * left empty.
 */
export function retire(total: WorkerStats, exited: WorkerStats): WorkerStats {
  return {
    ...total,
    consumed: total.consumed + exited.consumed,
    stored: total.stored + exited.stored,
    duplicates: total.duplicates + exited.duplicates,
    deadLetters: total.deadLetters + exited.deadLetters,
    deadLetterReasons: addTallies(total.deadLetterReasons, exited.deadLetterReasons),
    flushes: total.flushes + exited.flushes,
    flushReasons: addTallies(total.flushReasons, exited.flushReasons),
    flushedRecords: total.flushedRecords + exited.flushedRecords,
    flushedBytes: total.flushedBytes + exited.flushedBytes,
    storeRetries: total.storeRetries + exited.storeRetries,
    storeClientsReplaced: total.storeClientsReplaced + exited.storeClientsReplaced,
    storeErrors: addTallies(total.storeErrors, exited.storeErrors),
    storeStepMs: addTallies(total.storeStepMs, exited.storeStepMs),
    commitFailures: total.commitFailures + exited.commitFailures,
    consumerRestarts: total.consumerRestarts + exited.consumerRestarts,
    droppedForRebalance: total.droppedForRebalance + exited.droppedForRebalance,
    readAgain: total.readAgain + exited.readAgain,
  };
}

/** Two tallies summed key by key (a new object). */
function addTallies(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/**
 * What kind of error a store operation met, for a metric label: an ipstream error's code, else the
 * error's class name (`MongoNetworkError`); a small set, never the message.
 */
export function errorKind(error: unknown): string {
  if (error instanceof IpstreamError) return error.code;
  if (error instanceof Error && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(error.name)) return error.name;
  return 'unknown';
}

/** Adds `n` (default 1) to `tally[key]`. */
export function countIn(tally: Record<string, number>, key: string, n = 1): void {
  tally[key] = (tally[key] ?? 0) + n;
}
