/**
 * The consumers of one worker thread write through one combiner, and flush together. When a write
 * is about to begin, every consumer of the thread that holds records and is not writing is asked to
 * flush them now; their batches, and any that waited for the write before, go as one write
 * (EventStore.writeMany): one insert and one round of rollups for all of them. Without it the
 * writers of a process take turns under FerretDB's rollup lease, and each flush waits for the
 * other's rollups before its own: at half the end-to-end ceiling that made a record wait two flush
 * cycles (docs/benchmarks.md, "Freshness"). Merging is safe because a batch's partitions are its
 * consumer's own, and the store counts any batch exactly once whoever writes it.
 */
import { isRetriableStoreError, type StoreBatch, type StoreResult } from '../store/index.ts';

/** What the combiner writes through: a store, merging batches when it can. */
export interface CombinableWriter {
  write(batch: StoreBatch): Promise<StoreResult>;
  /** Several batches as one write, each batch's counts apart (EventStore.writeMany). */
  writeMany?(batches: readonly StoreBatch[]): Promise<StoreResult[]>;
}

interface Waiting {
  batch: StoreBatch;
  writer: CombinableWriter;
  done: PromiseWithResolvers<StoreResult>;
}

export class WriteCombiner {
  #waiting: Waiting[] = [];
  #writing = false;
  /** Each member's "flush what you hold now, unless you are writing". */
  readonly #members = new Set<() => void>();
  /** Writes that carried more than one batch, and the batches they carried (tests read them). */
  readonly merged = { writes: 0, batches: 0 };

  /** Takes part in the thread's writes: `flushNow` is called when one is about to begin. Returns leave. */
  join(flushNow: () => void): () => void {
    this.#members.add(flushNow);
    return () => this.#members.delete(flushNow);
  }

  /** Writes `batch` through `writer`, or through the writer of the batches it is merged with. */
  write(batch: StoreBatch, writer: CombinableWriter): Promise<StoreResult> {
    const done = Promise.withResolvers<StoreResult>();
    this.#waiting.push({ batch, writer, done });
    if (!this.#writing) {
      this.#writing = true;
      void this.#drain();
    }
    return done.promise;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        for (const flushNow of this.#members) flushNow();
        // A member's flush hands its batch in after a few promise turns (its gap check is async):
        // the write begins on the next turn of the event loop, with whatever arrived by then.
        await new Promise((resolve) => setImmediate(resolve));
        await this.#writeTogether(this.#waiting.splice(0));
      }
    } finally {
      this.#writing = false;
    }
  }

  async #writeTogether(entries: Waiting[]): Promise<void> {
    const writer = entries[0]!.writer;
    if (entries.length === 1 || writer.writeMany === undefined) {
      for (const entry of entries) await settle(entry, () => entry.writer.write(entry.batch));
      return;
    }
    try {
      const results = await writer.writeMany(entries.map((e) => e.batch));
      this.merged.writes++;
      this.merged.batches += entries.length;
      entries.forEach((e, i) => e.done.resolve(results[i]!));
    } catch (error) {
      // The store is away or busy: every batch would fail alike, and each consumer retries its own.
      if (isRetriableStoreError(error)) {
        for (const e of entries) e.done.reject(error);
        return;
      }
      // Something in one batch (the store refused it): each alone, so the others are not held back.
      for (const entry of entries) await settle(entry, () => entry.writer.write(entry.batch));
    }
  }
}

async function settle(entry: Waiting, write: () => Promise<StoreResult>): Promise<void> {
  try {
    entry.done.resolve(await write());
  } catch (error) {
    entry.done.reject(error);
  }
}
