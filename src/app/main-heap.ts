/**
 * When INGEST_MEMORY_MB has no room for a worker thread, the ingest consumers run on the main
 * thread (src/ingest/memory-budget.ts), whose heap must then be bounded as a thread's is: without
 * it, V8 let a 1M-event drain at INGEST_MEMORY_MB=256 reach 531 MB, while with the limits below it
 * peaked at 247 MB. V8 takes the main thread's limits from the command line only, so the process
 * replaces itself with them (execve: the same pid and stdio, the same environment with malloc's
 * thresholds fixed) before it starts anything.
 */
import type { Config } from '../config/index.ts';
import { MAIN_SEMI_SPACE_MB, planProcessMemory } from '../ingest/index.ts';
import type { Logger } from '../log/index.ts';

const HEAP_FLAGS = /^--max-(old|semi)-space-size=/;

/**
 * glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MB), after
 * which such blocks come from the main heap, and it keeps up to twice that free before it trims.
 * Fixed thresholds return large blocks at once. In 12-minute soaks at INGEST_MEMORY_MB=256 from
 * 1M devices, the process's RSS ran 15-20 MB lower with them and peaked at 261 MB at minute 9
 * against 275 (docs/benchmarks.md, "Soak"). Other C libraries ignore the variable.
 */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072';

/** The flags the main thread needs, or none when worker threads host the consumers. */
export function mainThreadHeapFlags(config: Config, maxWorkers?: number): string[] {
  const plan = planProcessMemory(config.ingest, maxWorkers);
  if (plan.threads !== 0) return [];
  return [`--max-old-space-size=${plan.mainHeapMb}`, `--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`];
}

/** The environment the bounded process starts with: this one, with MALLOC_TUNABLES ahead of any the operator set (later ones win). */
export function mainThreadEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.GLIBC_TUNABLES;
  return {
    ...env,
    GLIBC_TUNABLES: own === undefined || own === '' ? MALLOC_TUNABLES : `${MALLOC_TUNABLES}:${own}`,
  };
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
  process.execve(
    process.execPath,
    [process.execPath, ...kept, ...flags, ...process.argv.slice(1)],
    mainThreadEnv(process.env),
  );
}
