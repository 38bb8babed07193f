import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb';

// Server error codes that mean "the server is stepping down, shutting down or unreachable right
// now" (the driver's retryable-write list): the same write may succeed later.
export const TRANSIENT_SERVER_CODES: ReadonlySet<number> = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

function bulkWriteErrorCount(error: MongoBulkWriteError): number {
  return Array.isArray(error.writeErrors) ? error.writeErrors.length : 1;
}

/** True when trying the same store operation again can help. */
export function isRetriableStoreError(error: unknown): boolean {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (error instanceof MongoNotConnectedError) return true;
  if (error instanceof MongoBulkWriteError && bulkWriteErrorCount(error) === 0 && !error.writeConcernError) {
    // A bulk that failed as a whole, before any per-document answer: the driver wraps network
    // errors (a connection closed as the server stopped) this way, without their class or labels.
    return error.code === undefined || TRANSIENT_SERVER_CODES.has(Number(error.code));
  }
  if (error instanceof MongoWriteConcernError) return true;
  if (error instanceof MongoServerError) {
    return error.hasErrorLabel('RetryableWriteError') || TRANSIENT_SERVER_CODES.has(Number(error.code));
  }
  return false;
}

export interface RetryOptions {
  baseMs: number;
  maxMs: number;
  /** Stop retrying (and rethrow) once this returns true, e.g. after a shutdown deadline. */
  giveUp: () => boolean;
  isRetriable: (error: unknown) => boolean;
  onRetry: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Exponential backoff with full jitter, without a fixed attempt limit: outages can last minutes. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!options.isRetriable(error) || options.giveUp()) throw error;
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 20));
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry(error, attempt, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
