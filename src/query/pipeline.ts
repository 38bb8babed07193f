/**
 * The state of ingestion as one answer: this process's workers (counters, current flush limits),
 * the topic's partitions (end, committed, lag) and store write latencies. Pure: the caller brings
 * the worker stats and the topic description (or why it could not get one).
 */
import { formatIsoMs } from '../events/index.ts';
import type { WorkerStats } from '../ingest/index.ts';
import type { PartitionState, TopicDescription } from '../kafka/index.ts';

/** What a worker reports (WorkerStats) as the API shows it: its counters as they are, its times as ISO text. */
export interface WorkerStatus extends Pick<
  WorkerStats,
  | 'workerId'
  | 'memberId'
  | 'consumed'
  | 'stored'
  | 'duplicates'
  | 'deadLetters'
  | 'flushes'
  | 'flushReasons'
  | 'buffered'
  | 'bufferedBytes'
  | 'paused'
  | 'storeRetries'
  | 'commitFailures'
  | 'consumerRestarts'
> {
  /** Assigned partitions, as topic/partition. */
  partitions: string[];
  /** The flush limits the adaptive policy currently applies. */
  flushLimits: { count: number; bytes: number; maxAgeMs: number };
  lastFlush: (Omit<NonNullable<WorkerStats['lastFlush']>, 'at'> & { at: string }) | null;
  lastRecordAt: string | null;
}

export interface FlushLatency {
  /** Store writes the percentiles are computed from (the workers' recent window). */
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface PipelineStatus {
  /** False when this process runs no ingest workers (`serve`): worker lists are then empty. */
  ingestInProcess: boolean;
  workers: WorkerStatus[];
  totals: { consumed: number; stored: number; duplicates: number; deadLetters: number; buffered: number };
  flush: FlushLatency;
  topic: { name: string; totalEnd: number; totalLag: number; partitions: PartitionState[] } | null;
  /** Why the topic could not be described (Kafka unreachable...), else null. */
  topicError: string | null;
}

/** Nearest-rank percentile of ascending `sorted`; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function workerStatus(w: WorkerStats): WorkerStatus {
  return {
    workerId: w.workerId,
    memberId: w.memberId,
    partitions: w.assigned.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)),
    consumed: w.consumed,
    stored: w.stored,
    duplicates: w.duplicates,
    deadLetters: w.deadLetters,
    flushes: w.flushes,
    flushReasons: w.flushReasons,
    buffered: w.buffered,
    bufferedBytes: w.bufferedBytes,
    paused: w.paused,
    storeRetries: w.storeRetries,
    commitFailures: w.commitFailures,
    consumerRestarts: w.consumerRestarts,
    flushLimits: { count: w.policy.countLimit, bytes: w.policy.bytesLimit, maxAgeMs: w.policy.maxAgeMs },
    lastFlush: w.lastFlush === null ? null : { ...w.lastFlush, at: formatIsoMs(w.lastFlush.at) },
    lastRecordAt: w.lastRecordAt === null ? null : formatIsoMs(w.lastRecordAt),
  };
}

function flushStats(workers: readonly WorkerStats[]): FlushLatency {
  const all = workers.flatMap((w) => w.recentWriteMs).sort((a, b) => a - b);
  return {
    samples: all.length,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: all.length === 0 ? null : (all[all.length - 1] ?? null),
  };
}

export function pipelineStatus(
  workers: readonly WorkerStats[] | null,
  topic: TopicDescription | { error: string } | null,
): PipelineStatus {
  const list = workers ?? [];
  const sum = (pick: (w: WorkerStats) => number) => list.reduce((n, w) => n + pick(w), 0);
  const described = topic !== null && !('error' in topic) ? topic : null;
  return {
    ingestInProcess: workers !== null,
    workers: list.map(workerStatus),
    totals: {
      consumed: sum((w) => w.consumed),
      stored: sum((w) => w.stored),
      duplicates: sum((w) => w.duplicates),
      deadLetters: sum((w) => w.deadLetters),
      buffered: sum((w) => w.buffered),
    },
    flush: flushStats(list),
    topic:
      described === null
        ? null
        : {
            name: described.topic,
            totalEnd: described.totalEnd,
            totalLag: described.totalLag,
            partitions: described.partitions,
          },
    topicError: topic !== null && 'error' in topic ? topic.error : null,
  };
}
