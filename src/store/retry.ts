import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from 'mongodb';
import { TRANSIENT_SERVER_CODES } from './server-codes.ts';

function bulkWriteErrorCount(error: MongoBulkWriteError): number {
  return Array.isArray(error.writeErrors) ? error.writeErrors.length : 1;
}

/**
 * True when the store could not be reached at all: no server to select, a connection refused or
 * closed, also as the driver reports it for a bulk insert (a bulk write error with no per-document
 * answer and no code). The store is down, or the client's view of it is stale (see the ingest
 * worker's client replacement).
 */
export function isUnreachableStoreError(error: unknown): boolean {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (error instanceof MongoNotConnectedError) return true;
  return (
    error instanceof MongoBulkWriteError &&
    bulkWriteErrorCount(error) === 0 &&
    !error.writeConcernError &&
    error.code === undefined
  );
}

/** True when trying the same store operation again can help. */
export function isRetriableStoreError(error: unknown): boolean {
  if (isUnreachableStoreError(error)) return true;
  if (error instanceof MongoBulkWriteError && bulkWriteErrorCount(error) === 0 && !error.writeConcernError) {
    // A bulk that failed as a whole, before any per-document answer, with a server's code.
    return TRANSIENT_SERVER_CODES.has(Number(error.code));
  }
  if (error instanceof MongoWriteConcernError) return true;
  if (error instanceof MongoServerError) {
    return error.hasErrorLabel('RetryableWriteError') || TRANSIENT_SERVER_CODES.has(Number(error.code));
  }
  return false;
}
