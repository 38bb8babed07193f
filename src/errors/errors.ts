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

/** The answer needs more reading than one request is allowed: a narrower question can be answered. */
export class QueryTooBroadError extends IpstreamError {
  constructor(message: string) {
    super('QUERY_TOO_BROAD', message);
  }
}

/** The rollup lease was lost (fenced or expired) while held: what was not yet written must be redone. */
export class LeaseLostError extends IpstreamError {
  constructor(message: string) {
    super('LEASE_LOST', message, { retriable: true });
  }
}

/** The database was written by a newer ipstream, whose layout this one cannot read or write. */
export class SchemaVersionError extends IpstreamError {
  constructor(message: string) {
    super('SCHEMA_NEWER', message);
  }
}

/** EVENTS_LAYOUT differs from the layout the database was first written with. */
export class LayoutMismatchError extends IpstreamError {
  constructor(message: string) {
    super('LAYOUT_MISMATCH', message);
  }
}

/** An ipstream of an older schema is writing to the database: the two would corrupt each other. */
export class LegacyWriterError extends IpstreamError {
  constructor(message: string) {
    super('LEGACY_WRITER', message);
  }
}

/**
 * An answer the HTTP API gives on purpose (IP_NOT_FOUND, UNAUTHORIZED, METHOD_NOT_ALLOWED...):
 * its status comes from its code, in the one table of http.ts.
 */
export class RequestError extends IpstreamError {}

/** A state the code holds impossible: a fault of ipstream itself, never of its input or services. */
export class InternalError extends IpstreamError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}

/** The longest description describeError gives: a log line, not a dump. */
const MAX_DESCRIPTION = 1_000;
/** How deep describeError follows nested errors and causes. */
const MAX_NESTING = 4;

/**
 * A one-line human description of any thrown value, for CLI exits and logs. It follows what a
 * retrying client wraps (an AggregateError's errors, distinct ones once each, and causes): the
 * Kafka client reports "commit failed 3 times." with the broker's answer two levels down.
 */
export function describeError(error: unknown): string {
  const text = describeNested(error, new Set(), 0);
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}

function describeNested(error: unknown, seen: Set<unknown>, depth: number): string {
  if (!(error instanceof Error)) return String(error);
  if (seen.has(error) || depth > MAX_NESTING) return '';
  seen.add(error);
  let text = headline(error);
  if (error instanceof AggregateError && Array.isArray(error.errors)) {
    const inner = new Set(error.errors.map((e: unknown) => describeNested(e, seen, depth + 1)));
    inner.delete('');
    if (inner.size > 0) text += `: [${[...inner].join('; ')}]`;
  }
  const cause = error.cause === undefined ? '' : describeNested(error.cause, seen, depth + 1);
  return cause === '' ? text : `${text} (cause: ${cause})`;
}

function headline(error: Error): string {
  const line = error.message.split('\n')[0] || error.name;
  // The Kafka client's protocol errors carry the broker's error name (REBALANCE_IN_PROGRESS) apart
  // from their prose.
  const brokerError: unknown = (error as { apiId?: unknown }).apiId;
  return typeof brokerError === 'string' && !line.includes(brokerError) ? `${brokerError}: ${line}` : line;
}
