/**
 * When INGEST_MEMORY_MB has no room for a worker thread, the ingest consumers run on the main
 * thread (src/ingest/memory-budget.ts), whose heap must then be bounded as a thread's is: without
 * it, V8 let a 1M-event drain at INGEST_MEMORY_MB=256 reach 531 MB, while with the limits below it
 * peaked at 247 MB. V8 takes the main thread's limits from the command line only, so the process
 * replaces itself with them (execve: the same pid, stdio and environment) before it starts anything.
 */
import type { Config } from '../config/index.ts';
import { MAIN_SEMI_SPACE_MB, planProcessMemory } from '../ingest/index.ts';
import type { Logger } from '../log/index.ts';

const HEAP_FLAGS = /^--max-(old|semi)-space-size=/;

/** The flags the main thread needs, or none when worker threads host the consumers. */
export function mainThreadHeapFlags(config: Config, maxWorkers?: number): string[] {
  const plan = planProcessMemory(config.ingest, maxWorkers);
  if (plan.threads !== 0) return [];
  return [`--max-old-space-size=${plan.mainHeapMb}`, `--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`];
}

/**
 * Restarts this process in place with the heap limits it needs (returns when it has them, or
 * needs none). Where the platform has no execve, it goes on unbounded and says so.
 */
export function boundMainThreadHeap(config: Config, log: Logger, maxWorkers?: number): void {
  const flags = mainThreadHeapFlags(config, maxWorkers);
  if (flags.every((f) => process.execArgv.includes(f))) return;
  if (typeof process.execve !== 'function') {
    log.warn(
      { flags },
      'the consumers run on the main thread, whose heap this platform cannot bound: start node with these flags',
    );
    return;
  }
  const kept = process.execArgv.filter((a) => !HEAP_FLAGS.test(a));
  process.execve(process.execPath, [process.execPath, ...kept, ...flags, ...process.argv.slice(1)]);
}
