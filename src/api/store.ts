import type { Db } from 'mongodb';
import { ServiceError } from '../errors/index.ts';

/** The database, or a 503: analytics answer only from the store (serve without MongoDB has none). */
export function requireDb(db: Db | undefined): Db {
  if (db === undefined) throw new ServiceError('STORE_UNAVAILABLE', 'no database is configured for this API');
  return db;
}
