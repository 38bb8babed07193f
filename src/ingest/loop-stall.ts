import type { Logger } from '../log/index.ts';

/** How often the watch looks, and the lateness it reports. */
const TICK_MS = 1_000;
const REPORT_MS = 2_000;

/**
 * Warns when this thread's event loop stood still for seconds (a long synchronous step, a full
 * garbage collection near the heap limit): the Kafka client's heartbeats wait meanwhile, and past
 * the group's session timeout the coordinator drops the member and hands its partitions on.
 * Returns a function that ends the watch.
 */
export function watchEventLoop(log: Logger): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const stalledMs = now - last - TICK_MS;
    last = now;
    if (stalledMs >= REPORT_MS) {
      log.warn(
        { stalledMs: Math.round(stalledMs) },
        'the event loop stood still; heartbeats waited meanwhile',
      );
    }
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
