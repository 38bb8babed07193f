/**
 * Paced sending of synthetic, file or demo records.
 *
 * What other folders may import from src/producer/; its other files are internal (eslint.config.js).
 */
export { demoRecords } from './demo.ts';
export { describeFailures, runProducer } from './run.ts';
export { defaultUnackedPath, UnackedLines } from './unacked-file.ts';
export { fileRecords, syntheticRecords } from './sources.ts';
