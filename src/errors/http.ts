/**
 * The HTTP answer of each error code: the one table the API's error handler reads
 * (src/api/error-handler.ts). An IpstreamError whose code is not listed is a fault of the service
 * itself: 500 INTERNAL, its detail logged and never sent.
 */
import { type ErrorCode, TIMESTAMP_ERROR_CODES, type TimestampErrorCode } from './codes.ts';

export interface HttpAnswer {
  status: number;
  /** Seconds a client should wait before asking again (`Retry-After`). */
  retryAfterS?: number;
  /** The line the handler logs, when the answer is worth one. */
  log?: { level: 'warn' | 'error'; message: string };
}

const CLIENT_MISTAKE: HttpAnswer = { status: 400 };

const TIMESTAMP_ANSWERS = Object.fromEntries(
  (Object.keys(TIMESTAMP_ERROR_CODES) as TimestampErrorCode[]).map((code) => [code, CLIENT_MISTAKE]),
) as Record<TimestampErrorCode, HttpAnswer>;

export const HTTP_ANSWERS: Readonly<Partial<Record<ErrorCode, HttpAnswer>>> = {
  // What the client sent cannot be answered: the code says why.
  INVALID_REQUEST: CLIENT_MISTAKE,
  BAD_REQUEST: CLIENT_MISTAKE,
  RANGE_EMPTY: CLIENT_MISTAKE,
  RANGE_TOO_WIDE: CLIENT_MISTAKE,
  IP_INVALID: CLIENT_MISTAKE,
  HLL_BYTES_INVALID: CLIENT_MISTAKE,
  HLL_PRECISION_INVALID: CLIENT_MISTAKE,
  HLL_PRECISION_MISMATCH: CLIENT_MISTAKE,
  ...TIMESTAMP_ANSWERS,
  UNAUTHORIZED: { status: 401 },
  NOT_FOUND: { status: 404 },
  IP_NOT_FOUND: { status: 404 },
  METHOD_NOT_ALLOWED: { status: 405 },
  NOT_ACCEPTABLE: { status: 406 },
  REQUEST_TIMEOUT: { status: 408 },
  LENGTH_REQUIRED: { status: 411 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  URI_TOO_LONG: { status: 414 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  TOO_MANY_REQUESTS: { status: 429 },
  HEADERS_TOO_LARGE: { status: 431 },
  // The service cannot answer this now.
  STORE_UNAVAILABLE: { status: 503, log: { level: 'error', message: 'request failed' } },
  QUERY_TIMEOUT: {
    status: 503,
    retryAfterS: 30,
    log: { level: 'warn', message: 'query stopped at its time limit' },
  },
  QUERY_TOO_BROAD: { status: 503 },
};

/** The codes of client errors the HTTP framework raises itself (unparsable JSON, oversized bodies...). */
const FRAMEWORK_CODES: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'REQUEST_TIMEOUT',
  'LENGTH_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'HEADERS_TOO_LARGE',
];

/** The code of a 4xx the framework answers with: the one the table gives that status, else CLIENT_ERROR. */
export function frameworkErrorCode(status: number): ErrorCode {
  return FRAMEWORK_CODES.find((code) => HTTP_ANSWERS[code]?.status === status) ?? 'CLIENT_ERROR';
}
