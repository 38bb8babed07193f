import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { describeError } from '../errors/index.ts';
import type { EventProducer, OutgoingRecord, PartitionFailure } from '../kafka/index.ts';

export interface ProduceProgress {
  sent: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
}

export interface ProduceSummary extends ProduceProgress {
  recordsPerSec: number;
  mbPerSec: number;
  /** Records that failed for good, by partition ('unknown' when none could be chosen). */
  failedByPartition: Record<string, number>;
  /** Records never sent because the run was stopped (counted only when onUnacknowledged is given). */
  unsent: number;
  errors: string[];
}

export interface RunOptions {
  /** Records per second; 0 = as fast as the broker takes them. */
  rate: number;
  /** Records per send call. */
  chunk?: number;
  onProgress?: (p: ProduceProgress) => void;
  isStopped?: () => boolean;
  /**
   * Every record the cluster did not acknowledge, in the source's order: those that failed for
   * good, and, when the run is stopped early, the rest of the source (read to its end: a finite
   * source, such as a file). Without it a stop just stops.
   */
  onUnacknowledged?: (records: OutgoingRecord[]) => void;
}

/**
 * Send calls in flight at once: one. Concurrent sends retried across a broker restart reach it out
 * of order, and the client answers OUT_OF_ORDER_SEQUENCE_NUMBER by taking a new producer id and
 * resending with new sequence numbers, which duplicates whatever the broker had already written of
 * the batch (the broker-outage fault test found 239 extra records in 2 runs of 4 with four in
 * flight). One at a time keeps retries in order, at the same rate here (123k records/s against
 * 117k to 147k with four, on the local broker). A send call puts each partition in a request of its
 * own (EventProducer), so this is one request in flight per partition.
 */
const MAX_IN_FLIGHT = 1;

/** The most records one send takes when catching up with the rate. */
const MAX_CHUNK = 1000;

/** The failures of one send call as the records they hold, back in the order they were given. */
export function unacknowledged(failures: PartitionFailure[]): OutgoingRecord[] {
  return failures
    .flatMap((f) => f.records.map((record, i) => ({ record, position: f.positions[i]! })))
    .sort((a, b) => a.position - b.position)
    .map((r) => r.record);
}

/** Adds the failures of one send call to the count by partition. */
export function countFailures(byPartition: Record<string, number>, failures: PartitionFailure[]): void {
  for (const f of failures) {
    const key = f.partition === null ? 'unknown' : String(f.partition);
    byPartition[key] = (byPartition[key] ?? 0) + f.records.length;
  }
}

/** "partition 0: 150, partition 3: 100" (partitions in numeric order). */
export function describeFailures(byPartition: Record<string, number>): string {
  return Object.entries(byPartition)
    .sort(([a], [b]) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : Number(a) - Number(b)))
    .map(([p, n]) => (p === 'unknown' ? `no partition: ${n}` : `partition ${p}: ${n}`))
    .join(', ');
}

const valueBytes = (r: OutgoingRecord): number =>
  typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length;

/**
 * Sends every record of `source` in chunks, one chunk at a time, paced to `rate`. Records that
 * fail for good are counted by partition and reported, and the run goes on: the caller decides the
 * exit status.
 */
export async function runProducer(
  producer: EventProducer,
  source: Iterable<OutgoingRecord> | AsyncIterable<OutgoingRecord>,
  options: RunOptions,
): Promise<ProduceSummary> {
  const chunkSize =
    options.chunk ?? (options.rate > 0 ? Math.max(1, Math.min(1000, Math.floor(options.rate / 20))) : 1000);
  const started = performance.now();
  /**
   * Records for the next send: the chunk size, or, when sending fell behind the rate, everything due
   * by now, up to MAX_CHUNK. One send in flight means a slow cluster (each send answered later than
   * the rate's pace allows, as on a loaded machine or with a broker down) would otherwise cap the
   * rate at chunk size per round trip: 21 records per 150 ms held a 424/s producer to 140/s.
   */
  const nextChunk = (): number => {
    if (options.rate <= 0 || options.chunk !== undefined) return chunkSize;
    const due = Math.ceil(((performance.now() - started) / 1000) * options.rate) - queued;
    return Math.min(Math.max(MAX_CHUNK, chunkSize), Math.max(chunkSize, due));
  };
  const progress: ProduceProgress = { sent: 0, failed: 0, bytes: 0, elapsedMs: 0 };
  const failedByPartition: Record<string, number> = {};
  const errors: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let queued = 0;
  let unsent = 0;

  // Never rejects (failures are counted); the promise is tracked in inFlight and awaited there.
  const dispatch = (chunk: OutgoingRecord[]): void => {
    const p = producer
      .send(chunk)
      .catch((error: unknown): PartitionFailure[] => [
        { partition: null, records: chunk, positions: chunk.map((_, i) => i), error },
      ])
      .then((failures) => {
        const lost = unacknowledged(failures);
        progress.failed += lost.length;
        progress.sent += chunk.length - lost.length;
        progress.bytes +=
          chunk.reduce((n, r) => n + valueBytes(r), 0) - lost.reduce((n, r) => n + valueBytes(r), 0);
        countFailures(failedByPartition, failures);
        for (const f of failures) if (errors.length < 10) errors.push(describeError(f.error));
        if (lost.length > 0) options.onUnacknowledged?.(lost);
      })
      .finally(() => {
        inFlight.delete(p);
        progress.elapsedMs = performance.now() - started;
        options.onProgress?.({ ...progress });
      });
    inFlight.add(p);
  };

  const iterator =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let chunk: OutgoingRecord[] = [];
  let target = chunkSize;
  let stopped = false;
  for (;;) {
    if (options.isStopped?.()) {
      stopped = true;
      break;
    }
    const next = await iterator.next();
    if (next.done === true) break;
    chunk.push(next.value);
    if (chunk.length < target) continue;
    queued += chunk.length;
    dispatch(chunk);
    chunk = [];
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    if (options.rate > 0) {
      const due = started + (queued / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    target = nextChunk();
  }
  if (chunk.length > 0) dispatch(chunk);
  await Promise.all(inFlight);
  if (stopped && options.onUnacknowledged !== undefined) {
    // The rest of the source, after the failures of what was sent.
    const rest: OutgoingRecord[] = [];
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      rest.push(next.value);
      if (rest.length >= 10_000) {
        unsent += rest.length;
        options.onUnacknowledged(rest.splice(0));
      }
    }
    unsent += rest.length;
    if (rest.length > 0) options.onUnacknowledged(rest);
  } else if (stopped) {
    await iterator.return?.();
  }
  const elapsedMs = performance.now() - started;
  return {
    ...progress,
    elapsedMs,
    recordsPerSec: progress.sent / (elapsedMs / 1000),
    mbPerSec: progress.bytes / 1024 / 1024 / (elapsedMs / 1000),
    failedByPartition,
    unsent,
    errors,
  };
}
