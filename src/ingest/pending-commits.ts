import { partitionKey } from '../events/index.ts';
import type { PartitionPosition } from './batch-buffer.ts';

/** One offset commit as the consumer sends it: the next record to read. */
export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

/**
 * Per partition, the highest offset this member stored and has not yet seen committed. A commit
 * that fails is not forgotten: the partition stays due until a commit covering it succeeds, and
 * each later attempt (the next flush, a timer, a stop) commits everything due at once.
 *
 * What is committed for a partition is one past the higher of what this member stored and what
 * the store says it holds (its per-partition mark: everything at or below it is stored, gap-free).
 * Another member commits only what it has stored, and it stores before it commits, so a commit
 * planned from a mark read after that member's store can never be below that member's commit:
 * nothing needs to read the group's offset first (which let another member's commit in between be
 * overwritten by a lower one, issue 21). Without marks (a writer that keeps none), the group's
 * committed offsets are read instead and only offsets above them are committed.
 */
export class PendingCommits {
  readonly #due = new Map<string, PartitionPosition>();

  /** Partitions with a commit due. */
  get size(): number {
    return this.#due.size;
  }

  /** Positions of everything due, one per partition. */
  positions(): PartitionPosition[] {
    return [...this.#due.values()];
  }

  /** A batch was stored: each partition's highest offset in it is due (never lowering one). */
  stored(positions: PartitionPosition[]): void {
    for (const p of positions) {
      const key = partitionKey(p.topic, p.partition);
      const due = this.#due.get(key);
      if (due === undefined || p.offset > due.offset) this.#due.set(key, { ...p });
    }
  }

  /**
   * Forgets the partitions this member does not own (their new owner reads from the group's
   * offset, and a commit of them from here could overwrite that owner's). Returns how many.
   */
  keepOnly(owned: ReadonlySet<string>): number {
    let forgotten = 0;
    for (const key of [...this.#due.keys()]) {
      if (owned.has(key)) continue;
      this.#due.delete(key);
      forgotten++;
    }
    return forgotten;
  }

  /**
   * What to commit: per due partition, one past the higher of its stored offset and the store's
   * mark (`marks` by partitionKey), or, without marks, one past its stored offset where that is
   * above the group's committed offset (`committed`, by topic then partition; absent: none).
   */
  plan(
    source: { marks: Readonly<Record<string, number>> } | { committed: ReadonlyMap<string, bigint[]> },
  ): OffsetToCommit[] {
    const offsets: OffsetToCommit[] = [];
    for (const [key, p] of this.#due) {
      let next = BigInt(p.offset + 1);
      if ('marks' in source) {
        const mark = source.marks[key];
        if (mark !== undefined && mark >= p.offset) next = BigInt(mark + 1);
      } else if (next <= (source.committed.get(p.topic)?.[p.partition] ?? -1n)) {
        // The group is already past it: nothing to commit, nothing due.
        this.#due.delete(key);
        continue;
      }
      offsets.push({ topic: p.topic, partition: p.partition, offset: next, leaderEpoch: p.leaderEpoch });
    }
    return offsets;
  }

  /** A commit succeeded: what it covered is no longer due (a partition stored further since stays due). */
  settle(committed: OffsetToCommit[]): void {
    for (const c of committed) {
      const key = partitionKey(c.topic, c.partition);
      const due = this.#due.get(key);
      if (due !== undefined && BigInt(due.offset + 1) <= c.offset) this.#due.delete(key);
    }
  }
}
