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
