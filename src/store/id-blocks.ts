/**
 * Device ids, a block at a time. Block k holds the ids deviceIdBase + k·BLOCK ... + BLOCK - 1, and a
 * writer owns it by inserting `device-ids/<k>` into `meta`: an insert of a unique _id is atomic on
 * MongoDB and on FerretDB alike, where no update is (FerretDB 1.24 reads, changes and writes back
 * a document in separate steps: four clients, 1,200 `$inc` on one counter, 710 distinct results).
 * Of two writers that try the same block, one inserts and the other moves on to the next one.
 *
 * Claimed blocks form a prefix of 0, 1, 2, ... with at most a few holes where a writer died between
 * finding a block free and claiming it, so a writer finds where to start by galloping over which
 * block documents exist (a few dozen reads by _id, once per writer), and afterwards just tries
 * the block after the last one it saw taken.
 */
import type { Collection, Db, Document } from 'mongodb';
import { COLLECTIONS } from './schema.ts';
import { recordedSchema } from './schema-version.ts';
import { SERVER_CODES, serverCode } from './server-codes.ts';

/** Ids per block. */
export const ID_BLOCK = 256;

interface BlockDoc extends Document {
  _id: string;
  at: Date;
}

const blockId = (k: number): string => `device-ids/${k}`;

export class IdBlocks {
  readonly #db: Db;
  readonly #blocks: Collection<BlockDoc>;
  /** The first id of block 0, from the schema record (read at the first claim). */
  #base: number | undefined;
  /** The block to try next. */
  #next: number | undefined;

  constructor(db: Db) {
    this.#db = db;
    this.#blocks = db.collection<BlockDoc>(COLLECTIONS.meta);
  }

  /** Claims a block no other writer holds or will ever hold; returns its first id. */
  async claim(): Promise<number> {
    this.#base ??= (await recordedSchema(this.#db)).deviceIdBase;
    let k = this.#next ?? (await this.#firstFree());
    for (;;) {
      try {
        await this.#blocks.insertOne({ _id: blockId(k), at: new Date() });
        this.#next = k + 1;
        return this.#base + k * ID_BLOCK;
      } catch (error) {
        if (serverCode(error) !== SERVER_CODES.DuplicateKey) throw error;
        k++;
      }
    }
  }

  async #taken(k: number): Promise<boolean> {
    return (await this.#blocks.findOne({ _id: blockId(k) }, { projection: { _id: 1 } })) !== null;
  }

  /** A free block whose predecessor is taken (or block 0): about 2·log2(blocks) reads. */
  async #firstFree(): Promise<number> {
    if (!(await this.#taken(0))) return 0;
    let taken = 0;
    let step = 1;
    while (await this.#taken(taken + step)) {
      taken += step;
      step *= 2;
    }
    let free = taken + step;
    // Invariant: `taken` is taken and `free` is free; narrow the gap between them.
    while (free - taken > 1) {
      const mid = taken + Math.floor((free - taken) / 2);
      if (await this.#taken(mid)) taken = mid;
      else free = mid;
    }
    return free;
  }
}
