/**
 * Pure: HyperLogLog, Roaring bitmaps, count vectors, minute event lists, varint codecs.
 *
 * What other folders may import from src/sketch/; its other files are internal (eslint.config.js).
 */
export { addToBitmap, BitmapUnion, loadBitmaps } from './bitmap.ts';
export { type CodeEntry, decodeCodeEntries, encodeCodeEntries } from './code-entries.ts';
export {
  addCounts,
  countIds,
  type CountVector,
  decodeChunkTops,
  decodeCounts,
  decodeTop,
  EMPTY_COUNTS,
  encodeChunkTops,
  encodeCounts,
  encodeTop,
  type TopList,
  topOf,
} from './count-vector.ts';
export { HyperLogLog } from './hll.ts';
export {
  countsBetween,
  decodeMinuteEvents,
  encodeMinuteCodes,
  encodeMinuteEvents,
  mergeMinuteEvents,
  type MinuteEvent,
  type MinuteEvents,
  minuteEvents,
  NO_EVENTS,
} from './minute-events.ts';
export { decodeSeries, encodeSeries, type Series } from './series.ts';
export { ByteReader, ByteWriter } from './varint.ts';
