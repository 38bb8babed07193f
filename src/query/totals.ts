/**
 * All-time totals in constant time: the number of stored events and of distinct devices are the
 * sizes of the `events` and `devices` collections.
 *
 * Sizes come from `$collStats` rather than countDocuments: FerretDB 1.24 answers countDocuments
 * (and even estimatedDocumentCount) by reading every document (about 1 s per 20 000 events,
 * measured), but `$collStats` from SQLite's own count (under 10 ms); MongoDB answers it from
 * collection metadata. Both are exact for committed writes.
 */
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../store/schema.ts';

const NAMESPACE_NOT_FOUND = 26;

/** Documents in `collection`; 0 when it does not exist yet (an empty database). */
export async function collectionSize(db: Db, collection: string): Promise<number> {
  try {
    const [stats] = await db
      .collection(collection)
      .aggregate<{ count?: number }>([{ $collStats: { count: {} } }])
      .toArray();
    return stats?.count ?? 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === NAMESPACE_NOT_FOUND) return 0;
    throw error;
  }
}

export interface Totals {
  /** Events stored. */
  events: number;
  /** Distinct canonical addresses among them. */
  devices: number;
}

export async function totals(db: Db): Promise<Totals> {
  const [events, devices] = await Promise.all([
    collectionSize(db, COLLECTIONS.events),
    collectionSize(db, COLLECTIONS.devices),
  ]);
  return { events, devices };
}
