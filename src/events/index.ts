/**
 * Pure: decoding records into events and dead letters, IP canonicalisation, the timestamp
 * parser, synthetic events, and the one key of a topic-partition.
 *
 * What other folders may import from src/events/; its other files are internal (eslint.config.js).
 */
export { recoverRecord } from './dead-letter-record.ts';
export { type Decoded, type DecodeLimits, decodeRecord } from './decode.ts';
export { type DeadLetter, type DeviceEvent, partitionKey, recordId } from './event.ts';
export { canonicalizeIp } from './ip.ts';
export { DEAD_LETTER_MESSAGE_CHARS, MAX_RECORD_BYTES_LIMIT } from './store-limits.ts';
export { createEventGenerator, createRandom, DEFAULT_START_MS } from './synthetic.ts';
export {
  formatIsoMs,
  isTimestampFailure,
  parseTimestamp,
  type TimestampFormat,
  tryParseTimestamp,
} from './timestamp/index.ts';
