/**
 * A small closed-loop HTTP load generator: `concurrency` clients each send the next request as soon
 * as the previous answer is read, for a fixed time. Closed-loop load measures what a server
 * sustains without queueing requests it cannot serve (open-loop tools measure queueing instead).
 */
import { percentile } from '../src/query/index.ts';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  seconds: number;
  concurrency: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** The body of the last successful answer, for the report. */
  lastBody: unknown;
  /** How many different bodies the successful answers had (1 for a route over static data). */
  distinctBodies: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let lastBody: unknown = null;
  const bodies = new Set<string>();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const client = async (): Promise<void> => {
    // Past the deadline only while nothing has completed: a slow route still gets one answer.
    while (performance.now() < deadline || latencies.length + errors === 0) {
      const t0 = performance.now();
      try {
        const response = await fetch(options.url, { headers: options.headers ?? {} });
        const text = await response.text();
        if (response.ok) {
          latencies.push(performance.now() - t0);
          if (!bodies.has(text)) {
            bodies.add(text);
            lastBody = JSON.parse(text) as unknown;
          }
        } else {
          errors++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    reqPerSec: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    lastBody,
    distinctBodies: bodies.size,
  };
}
