/**
 * Every error ipstream raises on purpose is an IpstreamError with a stable `code` that callers,
 * logs and HTTP answers can rely on, and a `retriable` flag that says whether trying the same
 * operation again can help (network blips: yes; malformed input or bad flags: never). Codes and
 * what they mean: codes.ts.
 */
import type { ErrorCode } from './codes.ts';

export class IpstreamError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad configuration (environment or flags): fix the input, never retry. */
export class ConfigError extends IpstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** A local or remote service (Kafka, MongoDB) cannot be reached, started or used. */
export class ServiceError extends IpstreamError {}

/** Input data that cannot be accepted; `code` says why (e.g. TS_IMPOSSIBLE_DATE, IP_INVALID). */
export class ValidationError extends IpstreamError {}

/** A query that scans events ran past its time limit; a narrower range or an estimate can help. */
export class QueryTimeoutError extends IpstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('QUERY_TIMEOUT', message, { ...options, retriable: true });
  }
}

/** A one-line human description of any thrown value, for CLI exits and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
