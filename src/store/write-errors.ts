/**
 * What a failed bulk write means for each of its documents. An unordered insert or bulk answers
 * per document: a duplicate key is a replay (or a lost race) and never an error; a document the
 * server refuses for its content will never be stored, whatever the retries; anything else, or a
 * failure of the command as a whole, is the caller's to retry.
 */
import { MongoBulkWriteError, type WriteError } from 'mongodb';
import { SERVER_CODES, TRANSIENT_SERVER_CODES } from './server-codes.ts';

function writeErrorsOf(error: MongoBulkWriteError): WriteError[] {
  const errors = error.writeErrors;
  return Array.isArray(errors) ? [...(errors as readonly WriteError[])] : [errors as WriteError];
}

/**
 * The number of documents that failed, when every failure is a duplicate key; undefined when the
 * error is anything else. No write errors at all means the command itself failed (the driver wraps
 * a closed connection in a MongoBulkWriteError with an empty list): nothing is known to be
 * written, so it is not a success with zero duplicates.
 */
export function duplicateKeyCount(error: unknown): number | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  const errors = writeErrorsOf(error);
  if (errors.length === 0 || error.writeConcernError) return undefined;
  if (!errors.every((e) => e.code === SERVER_CODES.DuplicateKey)) return undefined;
  return errors.length;
}

export function isDuplicateKeyOnly(error: unknown): boolean {
  return duplicateKeyCount(error) !== undefined;
}

export interface RefusedDocument {
  /** Position in the inserted list. */
  index: number;
  code: number;
  message: string;
}

/**
 * Per-document outcome of an unordered insert that threw: indexes of duplicates, and of documents
 * the server refused for their content. Undefined when the error is not of that kind (a command
 * failure, a write concern error, or a per-document error that a retry may cure).
 */
export function insertOutcome(
  error: unknown,
): { duplicates: number[]; refused: RefusedDocument[] } | undefined {
  if (!(error instanceof MongoBulkWriteError) || error.writeConcernError) return undefined;
  const errors = writeErrorsOf(error);
  if (errors.length === 0) return undefined;
  const duplicates: number[] = [];
  const refused: RefusedDocument[] = [];
  for (const e of errors) {
    if (e.code === SERVER_CODES.DuplicateKey) duplicates.push(e.index);
    else if (TRANSIENT_SERVER_CODES.has(e.code)) return undefined;
    else refused.push({ index: e.index, code: e.code, message: e.errmsg ?? `server error ${e.code}` });
  }
  return { duplicates, refused };
}
