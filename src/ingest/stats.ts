/** Counters one ingest worker reports to its pool (and the pool to /metrics and /api/v1/pipeline). */
export interface WorkerStats {
  workerId: number;
  memberId: string | null;
  assigned: { topic: string; partitions: number[] }[];
  consumed: number;
  stored: number;
  duplicates: number;
  deadLetters: number;
  flushes: number;
  flushReasons: Record<string, number>;
  lastFlush: { count: number; bytes: number; writeMs: number; at: number } | null;
  /** Recent store write durations (ms), newest last, for latency histograms. */
  recentWriteMs: number[];
  storeRetries: number;
  commitFailures: number;
  consumerRestarts: number;
  /** Buffered records left to the member a partition moved to, not stored here. */
  droppedForRebalance: number;
  buffered: number;
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
    flushes: 0,
    flushReasons: {},
    lastFlush: null,
    recentWriteMs: [],
    storeRetries: 0,
    commitFailures: 0,
    consumerRestarts: 0,
    droppedForRebalance: 0,
    buffered: 0,
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
  const flushReasons = { ...total.flushReasons };
  for (const [reason, n] of Object.entries(exited.flushReasons)) {
    flushReasons[reason] = (flushReasons[reason] ?? 0) + n;
  }
  return {
    ...total,
    consumed: total.consumed + exited.consumed,
    stored: total.stored + exited.stored,
    duplicates: total.duplicates + exited.duplicates,
    deadLetters: total.deadLetters + exited.deadLetters,
    flushes: total.flushes + exited.flushes,
    flushReasons,
    storeRetries: total.storeRetries + exited.storeRetries,
    commitFailures: total.commitFailures + exited.commitFailures,
    consumerRestarts: total.consumerRestarts + exited.consumerRestarts,
    droppedForRebalance: total.droppedForRebalance + exited.droppedForRebalance,
  };
}
