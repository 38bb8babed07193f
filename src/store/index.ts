/**
 * The MongoDB layout (schema, bucket ids), idempotent writes, offset-guarded rollups, the fenced
 * lease, retention.
 *
 * What other folders may import from src/store/; its other files are internal (eslint.config.js).
 */
export { detectStoreProfile, type StoreProfile } from './backend.ts';
export { type BucketDoc, bucketsOf, eventBucketId } from './buckets.ts';
export { decodeDeviceDetails } from './device-details.ts';
export { deleteByIds, readByIds } from './docs.ts';
export { toEventDoc } from './event-docs.ts';
export { countStoredEvents, type StoredEvent, storedEvents } from './event-reader.ts';
export { EventStore, type ReplayEntry, type StoreBatch, type StoreResult } from './event-store.ts';
export { STORE_STEPS, type StoreStep } from './step-clock.ts';
export { ID_BLOCK, IdBlocks } from './id-blocks.ts';
export { FencedLease, type HeldLease } from './lease.ts';
export {
  ALL_TIME_ID,
  BucketCache,
  bucketEnd,
  bucketId,
  bucketStart,
  childIndex,
  countsId,
  DAY_MS,
  DEVICE_CHUNK_BITS,
  deviceChunkId,
  codePage,
  errorsId,
  errorsPageId,
  hllId,
  HOUR_MS,
  idChunk,
  LATEST_DEAD_LETTERS_ID,
  type Level,
  LEVELS_COARSE_FIRST,
  MINUTE_MS,
  minuteSecondId,
  parseBucketId,
  setId,
  SUMMARY_LEVELS,
  TOTALS_ID,
} from './levels.ts';
export { connectMongo, type MongoHandle } from './mongo.ts';
export {
  EVENTS_LAYOUTS,
  type EventsLayout,
  recordedSchema,
  SCHEMA_VERSION,
  type SchemaDoc,
} from './schema-version.ts';
export { expireEvents } from './retention.ts';
export { isRetriableStoreError, isUnreachableStoreError } from './retry.ts';
export { planRollups, toRollupEvent, touchedDocs } from './rollup-plan.ts';
export {
  COLLECTIONS,
  type CountsDoc,
  type DeadLetterDoc,
  type DeviceDoc,
  type DeviceStatsDoc,
  ensureSchema,
  type ErrorsDoc,
  type EventDoc,
  type Guarded,
  type HeadDoc,
  HLL_PRECISION,
  type HllDoc,
  type LatestDeadLettersDoc,
  type MinuteDoc,
  retiredCollections,
  type SetDoc,
  type TotalsDoc,
} from './schema.ts';
export { SERVER_CODES } from './server-codes.ts';
export { isDuplicateKeyOnly } from './write-errors.ts';
