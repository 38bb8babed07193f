/**
 * Wiring: what `up`, `ingest`, `serve` and `dead-letters replay` start and stop, in which order.
 *
 * What other folders may import from src/app/; its other files are internal (eslint.config.js).
 */
export { runApi } from './api.ts';
export { runDeadLetterReplay } from './dead-letter-replay.ts';
export { runIngest } from './ingest.ts';
export { boundMainThreadHeap } from './main-heap.ts';
export { requireServices } from './services.ts';
export { untilStopSignal } from './signals.ts';
export { DEFAULT_PARTITIONS, ensureTopic } from './topic.ts';
export { runUp, upMaxWorkers } from './up.ts';
