import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { describeError } from '../errors/errors.ts';
import type { EventProducer, OutgoingRecord } from '../kafka/producer.ts';

export interface ProduceProgress {
  sent: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
}

export interface ProduceSummary extends ProduceProgress {
  recordsPerSec: number;
  mbPerSec: number;
  errors: string[];
}

export interface RunOptions {
  /** Records per second; 0 = as fast as the broker takes them. */
  rate: number;
  /** Records per send call. */
  chunk?: number;
  /** Send calls in flight at once. */
  inFlight?: number;
  onProgress?: (p: ProduceProgress) => void;
  isStopped?: () => boolean;
}

/**
 * Sends every record of `source` in chunks, a few chunks in flight, paced to `rate`. A failed chunk
 * is counted and reported, and the run goes on: the caller decides the exit status.
 */
export async function runProducer(
  producer: EventProducer,
  source: Iterable<OutgoingRecord> | AsyncIterable<OutgoingRecord>,
  options: RunOptions,
): Promise<ProduceSummary> {
  const chunkSize =
    options.chunk ?? (options.rate > 0 ? Math.max(1, Math.min(1000, Math.floor(options.rate / 20))) : 1000);
  const maxInFlight = options.inFlight ?? 4;
  const started = performance.now();
  const progress: ProduceProgress = { sent: 0, failed: 0, bytes: 0, elapsedMs: 0 };
  const errors: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let queued = 0;

  // Never rejects (failures are counted); the promise is tracked in inFlight and awaited there.
  const dispatch = (chunk: OutgoingRecord[]): void => {
    const bytes = chunk.reduce(
      (n, r) => n + (typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length),
      0,
    );
    const p = producer
      .send(chunk)
      .then(() => {
        progress.sent += chunk.length;
        progress.bytes += bytes;
      })
      .catch((error: unknown) => {
        progress.failed += chunk.length;
        if (errors.length < 10) errors.push(describeError(error));
      })
      .finally(() => {
        inFlight.delete(p);
        progress.elapsedMs = performance.now() - started;
        options.onProgress?.({ ...progress });
      });
    inFlight.add(p);
  };

  let chunk: OutgoingRecord[] = [];
  for await (const record of source) {
    if (options.isStopped?.()) break;
    chunk.push(record);
    if (chunk.length < chunkSize) continue;
    queued += chunk.length;
    dispatch(chunk);
    chunk = [];
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (options.rate > 0) {
      const due = started + (queued / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
  if (chunk.length > 0) dispatch(chunk);
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  return {
    ...progress,
    elapsedMs,
    recordsPerSec: progress.sent / (elapsedMs / 1000),
    mbPerSec: progress.bytes / 1024 / 1024 / (elapsedMs / 1000),
    errors,
  };
}
