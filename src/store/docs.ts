/**
 * Reads and writes of whole documents by _id, batched the way the server serves best (see
 * backend.ts). Nothing here filters on anything but _id, so every statement costs the same
 * whatever a collection holds.
 */
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
  type Filter,
  MongoBulkWriteError,
} from 'mongodb';
import type { StoreProfile } from './backend.ts';
import { insertOutcome, isDuplicateKeyOnly, type RefusedDocument } from './write-errors.ts';

export interface ReadOptions {
  /** Server-side time limit of each find. */
  maxTimeMS?: number;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** The documents with these ids (null for those that do not exist), by id. */
export async function readByIds<D extends Document & { _id: string }>(
  collection: Collection<D>,
  ids: readonly string[],
  profile: StoreProfile,
  options: ReadOptions = {},
): Promise<Map<string, D | null>> {
  const found = new Map<string, D | null>(ids.map((id) => [id, null]));
  if (ids.length === 0) return found;
  const unique = [...found.keys()];
  const reads = profile.reads;
  if (reads.kind === 'in') {
    for (let i = 0; i < unique.length; i += reads.idsPerQuery) {
      const chunk = unique.slice(i, i + reads.idsPerQuery);
      const docs = await collection.find({ _id: { $in: chunk } } as Filter<D>, options).toArray();
      for (const d of docs) found.set(d._id, d as D);
    }
  } else {
    const docs = await mapLimit(unique, reads.concurrency, (id) =>
      collection.findOne({ _id: id } as Filter<D>, options),
    );
    for (const d of docs) if (d !== null) found.set(d._id, d as D);
  }
  return found;
}

/** Deletes the documents with these ids (those that do not exist are no-ops); returns how many went. */
export async function deleteByIds<D extends Document & { _id: string }>(
  collection: Collection<D>,
  ids: readonly string[],
  profile: StoreProfile,
): Promise<number> {
  if (ids.length === 0) return 0;
  const reads = profile.reads;
  if (reads.kind === 'in') {
    let deleted = 0;
    for (let i = 0; i < ids.length; i += reads.idsPerQuery) {
      const chunk = ids.slice(i, i + reads.idsPerQuery);
      deleted += (await collection.deleteMany({ _id: { $in: chunk } } as Filter<D>)).deletedCount;
    }
    return deleted;
  }
  const results = await mapLimit(ids, reads.concurrency, (id) =>
    collection.deleteOne({ _id: id } as Filter<D>),
  );
  return results.reduce((n, r) => n + r.deletedCount, 0);
}

/** A whole-document write: insert when `expectedV` is null, else replace the version read. */
export interface DocWrite<D extends Document & { _id: string }> {
  doc: D;
  expectedV: number | null;
}

/**
 * Writes the documents; returns how many did not apply because another writer got there first (an
 * insert of an _id that now exists, or on MongoDB a replacement of a version no longer current).
 * On FerretDB the replacement filter is the _id alone (the caller holds the rollup lease), and
 * `beforeCommand` runs before each command (the lease's fence check).
 */
export async function writeDocs<D extends Document & { _id: string; v: number }>(
  collection: Collection<D>,
  writes: readonly DocWrite<D>[],
  profile: StoreProfile,
  beforeCommand?: () => Promise<void>,
): Promise<{ conflicts: number }> {
  let conflicts = 0;
  for (let i = 0; i < writes.length; i += profile.statementsPerCommand) {
    const chunk = writes.slice(i, i + profile.statementsPerCommand);
    const ops: AnyBulkWriteOperation<D>[] = chunk.map(({ doc, expectedV }) => {
      if (expectedV === null) return { insertOne: { document: doc } } as AnyBulkWriteOperation<D>;
      const filter = profile.rollupLeaseMs === null ? { _id: doc._id, v: expectedV } : { _id: doc._id };
      return { replaceOne: { filter, replacement: doc } } as AnyBulkWriteOperation<D>;
    });
    await beforeCommand?.();
    try {
      const result = await collection.bulkWrite(ops, { ordered: false });
      conflicts += chunk.length - result.insertedCount - result.matchedCount;
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError) || !isDuplicateKeyOnly(error)) throw error;
      conflicts += chunk.length - error.result.insertedCount - error.result.matchedCount;
    }
  }
  return { conflicts };
}

/**
 * Documents per command of insertUnordered. When an unordered insert fails, the driver matches every
 * inserted id against every write error (documents × errors): one insertMany of 80k device
 * registrations, most of them already registered, held a worker's event loop for up to 34 s, long
 * enough for the group to drop the member. Measured on FerretDB: 20k duplicates in one call cost
 * 0.8-1.35 s of client CPU in one piece; in chunks of 5,000, 0.16 s, and the same wall time or less.
 * Fresh inserts of 40k take the same time either way (1,000 or 2,000 a chunk were 5-15% slower).
 */
export const INSERT_CHUNK = 5_000;

/** What an unordered insert did not store: duplicates and refused documents, by index in the input. */
export interface InsertOutcome {
  duplicates: number[];
  refused: RefusedDocument[];
}

/**
 * Inserts `docs` unordered, INSERT_CHUNK at a time. A duplicate key (a replay, or a lost race) and a
 * document the server refuses for its content are reported by index; any other failure is thrown,
 * with the chunks before it inserted.
 */
export async function insertUnordered<D extends { _id: string }>(
  collection: Collection<D>,
  docs: readonly D[],
): Promise<InsertOutcome> {
  const outcome: InsertOutcome = { duplicates: [], refused: [] };
  for (let start = 0; start < docs.length; start += INSERT_CHUNK) {
    const chunk = docs.slice(start, start + INSERT_CHUNK);
    try {
      // Our documents always carry their _id, which the driver's generic type cannot see.
      await collection.insertMany(chunk as unknown as Parameters<Collection<D>['insertMany']>[0], {
        ordered: false,
      });
    } catch (error) {
      const failed = insertOutcome(error);
      if (failed === undefined) throw error;
      for (const i of failed.duplicates) outcome.duplicates.push(start + i);
      for (const r of failed.refused) outcome.refused.push({ ...r, index: start + r.index });
    }
  }
  return outcome;
}
