import type { Db } from 'mongodb';
import { HttpError } from './http-error.ts';

/** The database, or a 503: analytics answer only from the store (serve without MongoDB has none). */
export function requireDb(db: Db | undefined): Db {
  if (db === undefined)
    throw new HttpError(503, 'STORE_UNAVAILABLE', 'no database is configured for this API');
  return db;
}
