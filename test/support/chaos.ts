import { MongoClient } from 'mongodb';
import { COLLECTIONS, TOTALS_ID, type TotalsDoc } from '../../src/store/index.ts';

// The chaos run's parts that are not the run itself (test/chaos/chaos.test.ts): a seeded
// schedule of faults, and a watch on how much the store holds, to time recoveries.

export type FaultKind = 'leader-kill' | 'ingest-kill' | 'store-stop' | 'broker-stop';

export const FAULT_KINDS: readonly FaultKind[] = ['leader-kill', 'ingest-kill', 'store-stop', 'broker-stop'];

/** A number in [min, max] from `random`. */
export const between = (random: () => number, min: number, max: number): number =>
  Math.round(min + (max - min) * random());

/**
 * The fault of each round: every kind at least twice when the rounds allow (once each otherwise,
 * as many kinds as fit), the rest of the rounds random kinds, all in a seeded order.
 */
export function faultSchedule(
  rounds: number,
  kinds: readonly FaultKind[],
  random: () => number,
): FaultKind[] {
  const each = rounds >= 2 * kinds.length ? 2 : 1;
  const fixed = kinds.flatMap((k) => Array<FaultKind>(each).fill(k)).slice(0, rounds);
  const extra = Array.from(
    { length: rounds - fixed.length },
    () => kinds[Math.floor(random() * kinds.length)]!,
  );
  const schedule = [...fixed, ...extra];
  for (let i = schedule.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
  }
  return schedule;
}

/** The median and the largest of some durations (undefined for none). */
export function p50max(values: number[]): { p50: number | undefined; max: number | undefined } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted.at(-1) };
}

/**
 * Polls what the store holds (its totals: events and dead letters) a few times a second over one
 * connection, and keeps every change with its time, to say when storing resumed after a fault and
 * the longest stretch with nothing stored. Reads fail while the store is down: those polls are
 * skipped.
 */
export class StoreWatch {
  readonly #client: MongoClient;
  readonly #db: string;
  readonly #timer: NodeJS.Timeout;
  /** [time, stored] at every change, in time order. */
  readonly changes: [number, number][] = [];
  #polling = false;

  constructor(uri: string, db: string, everyMs = 200) {
    this.#client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    this.#db = db;
    this.#timer = setInterval(() => void this.#poll(), everyMs);
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const totals = await this.#client
        .db(this.#db)
        .collection<TotalsDoc>(COLLECTIONS.rollups)
        .findOne({ _id: TOTALS_ID }, { maxTimeMS: 2_000 });
      const stored = (totals?.events ?? 0) + (totals?.deadLetters ?? 0);
      if (stored !== this.changes.at(-1)?.[1]) this.changes.push([Date.now(), stored]);
    } catch {
      // The store is down (a fault): nothing known until it answers again.
    } finally {
      this.#polling = false;
    }
  }

  /** When the stored count first grew after `since` (epoch ms), if it has. */
  firstStoreAfter(since: number): number | undefined {
    const before = this.#storedAt(since);
    return this.changes.find(([t, n]) => t > since && n > before)?.[0];
  }

  /** The longest stretch within [from, to] with nothing stored. */
  longestStall(from: number, to: number): number {
    let last = from;
    let longest = 0;
    for (const [t] of this.changes) {
      if (t <= from) continue;
      if (t > to) break;
      longest = Math.max(longest, t - last);
      last = t;
    }
    return Math.max(longest, to - last);
  }

  #storedAt(time: number): number {
    let stored = 0;
    for (const [t, n] of this.changes) {
      if (t > time) break;
      stored = n;
    }
    return stored;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#client.close().catch(() => undefined);
  }
}
