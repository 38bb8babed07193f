/**
 * The consumer pool and its members: flush policy, buffer, gap guard, worker threads, dead-letter
 * replay.
 *
 * What other folders may import from src/ingest/; its other files are internal (eslint.config.js).
 */
export { replayDeadLetters, type ReplayOptions, type ReplayReport } from './dead-letter-replay.ts';
export { createFlushPolicy, takeLimits } from './flush-policy.ts';
export { waitUntilIdle } from './idle-watch.ts';
export { type BatchWriter, Ingestor } from './ingestor.ts';
export { holdsConsumers, MAIN_SEMI_SPACE_MB, planMemory, planProcessMemory } from './memory-budget.ts';
export { IngestPool } from './pool.ts';
export type { WorkerStats } from './stats.ts';
export { formatStoreSteps, sumStats } from './totals.ts';
export { WriteCombiner } from './write-combiner.ts';
