/**
 * The read side: unique IPs, top IPs, error codes, series, devices, dead letters, totals, pipeline
 * status.
 *
 * What other folders may import from src/query/; its other files are internal (eslint.config.js).
 */
export { deadLetters, DEFAULT_DEAD_LETTER_LIMIT } from './dead-letters.ts';
export { DEFAULT_ERROR_CODES_LIMIT, errorCodes } from './errors.ts';
export { ipDetail, requireIp } from './ip-detail.ts';
export { percentile, pipelineStatus } from './pipeline.ts';
export { parseRange } from './range.ts';
export { checkSeriesRange, MAX_BUCKETS, timeseries } from './timeseries.ts';
export { DEFAULT_TOP_LIMIT, topIps } from './top-ips.ts';
export { totals } from './totals.ts';
export { uniqueIps } from './unique-ips.ts';
