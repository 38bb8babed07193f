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
    buffered: 0,
    bufferedBytes: 0,
    paused: false,
    policy: { countLimit: 0, bytesLimit: 0, maxAgeMs: 0 },
    lastRecordAt: null,
  };
}
