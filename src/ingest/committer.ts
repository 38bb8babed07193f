import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from '@platformatic/kafka';
import { describeError } from '../errors/index.ts';
import { partitionKey } from '../events/index.ts';
import type { Logger } from '../log/index.ts';
import { backoffDelay } from '../retry/index.ts';
import type { PartitionPosition } from './batch-buffer.ts';
import { type OffsetToCommit, PendingCommits } from './pending-commits.ts';
import type { WorkerStats } from './stats.ts';

/** Between attempts to commit what is due after one failed: 0.5 s doubling to 5 s. */
const COMMIT_RETRY = { baseMs: 500, maxMs: 5_000 } as const;

/** Partitions grouped by topic, as the client's offset requests take them. */
export function byTopic(positions: PartitionPosition[]): { topic: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const p of positions) {
    const partitions = topics.get(p.topic) ?? [];
    partitions.push(p.partition);
    topics.set(p.topic, partitions);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

export interface CommitterDeps {
  /** The member's consumer now (none while it restarts). */
  consumer: () => Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** The store's per-partition marks (partitionKey to highest offset stored gap-free), if it keeps them. */
  store: () => { appliedThrough?(): Promise<Record<string, number>> } | undefined;
  log: Logger;
  /** Where failed commits are counted (commitFailures). */
  stats: WorkerStats;
  stopping: () => boolean;
  /**
   * Whether a consumer of this member was replaced (restarted after its stream died): the old one
   * may still hold partitions in the group until its session times out, if its leave never reached
   * the broker.
   */
  replacedConsumer: () => boolean;
  /** Test-only: awaited between reading what decides a commit and sending it. */
  beforeCommit?: (offsets: OffsetToCommit[]) => Promise<void>;
}

/**
 * Commits what one ingest member stored (the pending commits in `due`), one attempt at a time: a
 * flush, the retry timer and `stop` all come here. A failed attempt is counted, logged and
 * retried (on the next flush, on a timer with backoff, and by `stop` within its grace), and the
 * records stay due meanwhile: a commit that failed while a broker or the group coordinator moved
 * used to be forgotten, so a member stopped after leader changes left tens of thousands of stored
 * records to be read again (issue 27).
 */
export class OffsetCommitter {
  /** What was stored and is not yet committed, by partition: kept until a commit covers it. */
  readonly due = new PendingCommits();
  readonly #deps: CommitterDeps;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  /** Failed or deferred attempts in a row, for the retry timer's backoff. */
  #retries = 0;

  constructor(deps: CommitterDeps) {
    this.#deps = deps;
  }

  /** Commits what is due for the partitions the member owns; true when nothing is due afterwards. */
  commitDue(): Promise<boolean> {
    const attempt = this.#chain.then(() => this.#attempt());
    this.#chain = attempt.catch(() => undefined);
    return attempt;
  }

  async #attempt(): Promise<boolean> {
    if (this.due.size === 0) return true;
    const consumer = this.#deps.consumer();
    // No consumer (restarting), or not yet told what it owns: keep everything due for later.
    const assignments = consumer?.assignments;
    if (consumer === undefined || assignments === undefined || assignments === null) {
      this.#retryLater();
      return false;
    }
    const owned = new Set(assignments.flatMap((a) => a.partitions.map((p) => partitionKey(a.topic, p))));
    if (!this.#deps.stopping() || !this.#deps.replacedConsumer()) {
      const forgotten = this.due.keepOnly(owned);
      if (forgotten > 0) {
        this.#deps.log.info(
          { partitions: forgotten },
          'commits due for partitions now owned by another member left to it',
        );
      }
    }
    // While stopping after a consumer was replaced, a due partition not assigned here is waited
    // for (within the stop's grace): after a broker outage it is most likely still held by the
    // previous consumer, whose leave the broker never got, until the session timeout hands it over.
    const mine = this.due.positions().filter((p) => owned.has(partitionKey(p.topic, p.partition)));
    if (mine.length === 0) {
      if (this.due.size > 0) this.#retryLater();
      return this.due.size === 0;
    }
    try {
      const store = this.#deps.store();
      const offsets = (
        store?.appliedThrough === undefined
          ? this.due.plan({
              committed: await consumer.listCommittedOffsets({ topics: byTopic(mine) }),
            })
          : this.due.plan({ marks: await store.appliedThrough() })
      ).filter((c) => owned.has(partitionKey(c.topic, c.partition)));
      await this.#deps.beforeCommit?.(offsets);
      // The assignment is replaced, never changed in place: the same object means no partition
      // left this member (and came back) since its marks were read. One that did may have been
      // stored and committed further by another member meanwhile: plan again, later. (The broker
      // checks only the member epoch of a commit, so nothing else would stop a lower one.)
      if (this.#deps.consumer() !== consumer || consumer.assignments !== assignments) {
        this.#retryLater();
        return false;
      }
      if (offsets.length > 0) await consumer.commit({ offsets });
      this.due.settle(offsets);
      this.#retries = 0;
      return this.due.size === 0;
    } catch (error) {
      // The records are stored; until a commit covers them they would only be redelivered.
      this.#deps.stats.commitFailures++;
      this.#deps.log.warn(
        { err: describeError(error), partitions: this.due.size, attempt: this.#retries + 1 },
        'offset commit failed; the stored records stay due and the commit is retried',
      );
      this.#retryLater();
      return false;
    }
  }

  /** Another attempt after a backoff (one timer at a time), unless a flush commits first. */
  #retryLater(): void {
    this.#retries++;
    if (this.#timer !== undefined || this.#deps.stopping()) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        void this.commitDue();
      },
      backoffDelay(COMMIT_RETRY, this.#retries),
    );
  }

  /** At stop, after the drain: commits what is due, retrying until it succeeds or `deadline` (epoch ms). */
  async commitWithinGrace(deadline: number): Promise<void> {
    this.cancel();
    for (let attempt = 1; !(await this.commitDue()); attempt++) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#deps.consumer() === undefined) {
        this.#deps.log.error(
          { partitions: this.due.size },
          'stopping with commits still due; what they cover will be read and stored again (harmlessly)',
        );
        return;
      }
      await sleep(Math.min(left, backoffDelay(COMMIT_RETRY, attempt)));
    }
  }

  /** Stops the retry timer. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
