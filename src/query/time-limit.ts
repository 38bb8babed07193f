import { MongoServerError } from 'mongodb';
import { QueryTimeoutError } from '../errors/errors.ts';

/**
 * The longest a scanning query (exact range counts, top IPs) may run. The server enforces it
 * (maxTimeMS) and stops the work: a client that gave up would otherwise leave the database
 * scanning for minutes (a 24 h exact count over a million events on FerretDB, measured).
 */
export const QUERY_TIME_LIMIT_MS = 30_000;

const MAX_TIME_MS_EXPIRED = 50;

/** Runs a scanning query; a server-side timeout becomes a QueryTimeoutError saying what to do. */
export async function withTimeLimit<T>(what: string, hint: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof MongoServerError && error.code === MAX_TIME_MS_EXPIRED) {
      throw new QueryTimeoutError(
        `${what} took longer than ${QUERY_TIME_LIMIT_MS / 1000} s and was stopped; ${hint}`,
        { cause: error },
      );
    }
    throw error;
  }
}
