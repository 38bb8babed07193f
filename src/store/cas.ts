import {
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
  type Filter,
  MongoBulkWriteError,
  type OptionalUnlessRequiredId,
} from 'mongodb';
import { IpstreamError } from '../errors/errors.ts';

const DUPLICATE_KEY = 11000;

/** Unordered bulk writes whose only failures are duplicate keys; returns how many were duplicates. */
export function duplicateKeyCount(error: unknown): number | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  // No write errors at all means the command itself failed (the driver wraps a closed connection
  // in a MongoBulkWriteError with an empty list): nothing is known to be written, so it is not a
  // success with zero duplicates. Taking it for one once committed records that were never stored.
  if (errors.length === 0) return undefined;
  if (error.writeConcernError || !errors.every((e) => e.code === DUPLICATE_KEY)) return undefined;
  return errors.length;
}

/** Inserts documents whose _id makes a replay a no-op; returns [inserted, duplicates]. */
export async function insertIdempotent<D extends Document>(
  collection: Collection<D>,
  docs: D[],
): Promise<{ inserted: number; duplicates: number }> {
  if (docs.length === 0) return { inserted: 0, duplicates: 0 };
  try {
    // Our documents always carry their _id, which is what OptionalUnlessRequiredId asks for.
    const result = await collection.insertMany(docs as unknown as OptionalUnlessRequiredId<D>[], {
      ordered: false,
    });
    return { inserted: result.insertedCount, duplicates: 0 };
  } catch (error) {
    const duplicates = duplicateKeyCount(error);
    if (duplicates === undefined) throw error;
    return { inserted: docs.length - duplicates, duplicates };
  }
}

/** Writes unordered; returns how many operations took effect (a lost insert race is not an error). */
async function bulkWriteCountingApplied<D extends Document>(
  collection: Collection<D>,
  ops: AnyBulkWriteOperation<D>[],
): Promise<number> {
  try {
    const result = await collection.bulkWrite(ops, { ordered: false });
    return result.insertedCount + result.matchedCount;
  } catch (error) {
    if (duplicateKeyCount(error) === undefined) throw error;
    const partial = (error as MongoBulkWriteError).result;
    return partial.insertedCount + partial.matchedCount;
  }
}

/**
 * Compare-and-set rounds over a set of documents: read them, let `plan` turn each into a write
 * conditioned on what was read (or nothing, when nothing is left to apply), and write them in one
 * unordered bulk. A write whose condition no longer holds changes nothing, so the documents it
 * touched are simply planned again from a fresh read. Ends when a round applies every write it
 * planned, or when nothing is left to plan.
 */
export async function casRounds<D extends Document & { _id: string }>(
  collection: Collection<D>,
  ids: string[],
  projection: Document,
  opsPerCommand: number,
  plan: (id: string, current: D | null) => AnyBulkWriteOperation<D> | null,
  maxRounds = 20,
): Promise<number> {
  let pending = ids;
  for (let round = 1; round <= maxRounds; round++) {
    const found = await collection.find({ _id: { $in: pending } } as Filter<D>, { projection }).toArray();
    const byId = new Map(found.map((d) => [d._id as string, d as unknown as D]));
    const ops: AnyBulkWriteOperation<D>[] = [];
    const planned: string[] = [];
    for (const id of pending) {
      const op = plan(id, byId.get(id) ?? null);
      if (op !== null) {
        ops.push(op);
        planned.push(id);
      }
    }
    if (ops.length === 0) return round;
    let applied = 0;
    for (let i = 0; i < ops.length; i += opsPerCommand) {
      applied += await bulkWriteCountingApplied(collection, ops.slice(i, i + opsPerCommand));
    }
    if (applied === ops.length) return round;
    pending = planned;
  }
  throw new IpstreamError(
    'ROLLUP_CONTENTION',
    `rollup of ${collection.collectionName} did not settle in ${maxRounds} rounds`,
    {
      retriable: true,
    },
  );
}
