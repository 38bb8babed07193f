/**
 * Every error code ipstream gives (in thrown errors, HTTP answers, dead letters and CLI lines),
 * with what it means. Codes are part of the outside contract: they never change meaning; add new
 * ones instead. Dead-letter reasons other than the timestamp codes, which name why a record was
 * refused rather than an error, live with the decoder.
 */

/**
 * Every reason a timestamp can be refused. The codes are part of the outside contract (HTTP answers,
 * dead letters, CLI output), so they never change meaning; add new ones instead.
 */
export const TIMESTAMP_ERROR_CODES = {
  TS_TYPE: 'the value is neither a string nor a number',
  TS_NOT_FINITE: 'the number is NaN or infinite',
  TS_EMPTY: 'the string is empty or only whitespace',
  TS_EXPONENT: 'exponent notation (1e12) is not accepted for epochs',
  TS_TOO_MANY_DIGITS: 'more than 20 integer digits in an epoch, or more than 9 fraction digits in a time',
  TS_IMPOSSIBLE_DATE: 'a field is outside its range (month 13, 2023-02-29, hour 24, minute 60)',
  TS_BAD_OFFSET: 'the zone offset is malformed or beyond ±23:59',
  TS_OUT_OF_RANGE: 'the instant falls outside the years 0000 to 9999 (UTC)',
  TS_WEEKDAY_MISMATCH: 'the weekday named does not fall on that date',
  TS_AMBIGUOUS: 'numeric day and month order cannot be told apart (03/12/2021)',
  TS_NO_YEAR: 'the date has no year (Oct 11 22:14:15)',
  TS_UNRECOGNIZED: 'not any of the accepted timestamp forms',
} as const;

export type TimestampErrorCode = keyof typeof TIMESTAMP_ERROR_CODES;

export const ERROR_CODES = {
  // Configuration and local services
  CONFIG_INVALID: 'a setting or flag has a value ipstream cannot use',
  UNREACHABLE: 'Kafka or MongoDB does not answer at the configured address',
  PORT_TAKEN: 'a local service port is used by something else',
  TOOL_MISSING: 'a tool needed to build or start a local service is not installed',
  BUILD_FAILED: 'building a local service failed',
  START_FAILED: 'a local service did not start',
  LOCKED: 'another ipstream is starting the local services',
  KAFKA_AUTH_FAILED: 'Kafka refused the SASL credentials (user, password or mechanism)',
  // Kafka topics
  TOPIC_MISSING: 'the topic does not exist',
  TOPIC_MISMATCH: 'the topic exists with another partition count',
  TOPIC_NOT_READY: 'the topic has no leader for every partition yet',
  PARTITIONS_SHRINK: 'Kafka cannot take partitions away from a topic',
  TOPIC_REFUSED:
    'the cluster refused to create the topic (its answer says why: a replication factor above its brokers, say)',
  // Ingest and the store
  WORKER_FAILED: 'an ingest worker failed to start or stopped for good',
  FLUSH_STATS_INVALID: 'the flush policy was told about an impossible write',
  STORE_UNAVAILABLE: 'no store is configured for this route',
  STORE_REJECTED: 'the store refused a document for its content',
  STORE_CORRUPT: 'a stored document does not decode',
  STORE_INCONSISTENT: 'a document the store reported written cannot be read back',
  ROLLUP_CONTENTION: 'rollup writers kept overwriting each other',
  LEASE_LOST: 'the rollup lease was lost while held',
  SCHEMA_NEWER: 'the database was written by a newer ipstream (a higher schema version)',
  LEGACY_WRITER: 'an ipstream of an older schema version is writing to the same database',
  LAYOUT_MISMATCH: 'EVENTS_LAYOUT differs from the layout the database was first written with',
  RECORDS_MISSING: 'a batch starts past the offset its partition is stored through: it must be read again',
  // Queries and HTTP
  QUERY_TIMEOUT: 'a query ran past its time limit on the server',
  QUERY_TOO_BROAD: 'answering needs more reads than one request may do',
  RANGE_EMPTY: 'from is not before to',
  RANGE_TOO_WIDE: 'the range holds more buckets than one answer may',
  IP_INVALID: 'the text is not an IPv4 or IPv6 address',
  IP_NOT_FOUND: 'the address never sent an event',
  HLL_BYTES_INVALID: 'bytes that are not a HyperLogLog sketch',
  HLL_PRECISION_INVALID: 'a HyperLogLog precision outside 4..16',
  HLL_PRECISION_MISMATCH: 'HyperLogLog sketches of different precisions',
  INVALID_REQUEST: 'the request does not match its schema',
  UNAUTHORIZED: 'the route needs the API token',
  NOT_FOUND: 'no route for this path',
  METHOD_NOT_ALLOWED: 'the path exists, not with this method',
  NOT_READY: 'a dependency of the service is unreachable',
  BAD_REQUEST: 'the request could not be read (malformed JSON, say)',
  NOT_ACCEPTABLE: 'no answer in an acceptable media type',
  REQUEST_TIMEOUT: 'the request took too long to arrive',
  LENGTH_REQUIRED: 'the request body needs a length',
  PAYLOAD_TOO_LARGE: 'the request body is too large',
  URI_TOO_LONG: 'a path segment is too long',
  UNSUPPORTED_MEDIA_TYPE: 'the request body is not JSON',
  TOO_MANY_REQUESTS: 'too many requests',
  HEADERS_TOO_LARGE: 'the request headers are too large',
  CLIENT_ERROR: 'another client error',
  INTERNAL: 'a fault of the service itself',
  ...TIMESTAMP_ERROR_CODES,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];
