/**
 * A fenced lease, for servers without atomic updates (FerretDB): rollup writers across all threads,
 * processes and hosts take turns, one at a time.
 *
 * Each holder gets a new epoch, claimed by inserting `lease:<name>#<epoch>` (an insert of a unique
 * _id is atomic everywhere). Whoever inserts epoch e+1 holds the lease, and from that moment epoch
 * e is fenced: its holder checks, before each write command, that its own epoch still exists and
 * names it, and that epoch e+1 does not exist, and stops otherwise (a holder stalled long enough
 * finds its own epoch collected, and e+1 too). A release waits for a renewal on its way, so a
 * renewal never writes a released epoch back as held. An epoch may be claimed only when the one before it was released or has
 * expired, judged by the server's clock (`hello.localTime`), not the claimant's, so clock skew
 * between hosts cannot hand out a live lease. The holder renews its epoch while it works, so a slow
 * but live holder keeps it; one that stalls past its expiry (a frozen process) is fenced at its
 * next check, and the next holder's writes, planned from fresh reads, stand.
 *
 * What a fence cannot stop on a server without conditional writes: one statement already on its
 * way when the holder stalled, landing after the next holder's. docs/store.md says more.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BroadcastChannel } from 'node:worker_threads';
import type { Collection, Db, Document } from 'mongodb';
import { LeaseLostError } from '../errors/index.ts';
import { backoffDelay } from '../retry/index.ts';
import { COLLECTIONS } from './schema.ts';
import { SERVER_CODES, serverCode } from './server-codes.ts';

interface EpochDoc extends Document {
  _id: string;
  holder: string;
  expiresAt: Date;
  released: boolean;
}

/**
 * Where to start looking for the latest epoch, and how far epochs were collected. Epochs are
 * deleted strictly in order, so while epoch e exists every later one does too: a claimant that
 * reads epoch e and finds no e+1 has found the latest.
 */
interface HintDoc extends Document {
  _id: string;
  epoch: number;
  collectedBelow: number;
}

/** Between looks at a held lease: 5 ms doubling to 320 ms, half of it random. */
const CLAIM_BACKOFF = { baseMs: 5, maxMs: 320, jitter: 0.5 } as const;

export interface LeaseOptions {
  ttlMs: number;
  /** How often a holder extends its expiry (default: a third of the TTL; Infinity never does). */
  renewEveryMs?: number;
}

export interface HeldLease {
  readonly epoch: number;
  /** Throws LeaseLostError unless this holder still holds the lease. Call before each write. */
  readonly check: () => Promise<void>;
}

export class FencedLease {
  readonly #epochs: Collection<EpochDoc>;
  readonly #hints: Collection<HintDoc>;
  readonly #db: Db;
  readonly #name: string;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  readonly #holder = randomUUID();
  /**
   * Releases told to the other holders of this process (worker threads included), so a waiter
   * claims at once instead of at its next look (up to CLAIM_BACKOFF.maxMs later): two workers of
   * one process at a steady rate spent 44% of their store time waiting for this lease. Other
   * processes still find a release by looking.
   */
  readonly #releases: BroadcastChannel;
  readonly #waiters = new Set<() => void>();

  constructor(db: Db, name: string, options: LeaseOptions) {
    this.#db = db;
    this.#epochs = db.collection<EpochDoc>(COLLECTIONS.meta);
    this.#hints = db.collection<HintDoc>(COLLECTIONS.meta);
    this.#name = name;
    this.#ttlMs = options.ttlMs;
    this.#renewEveryMs = options.renewEveryMs ?? options.ttlMs / 3;
    this.#releases = new BroadcastChannel(`ipstream:lease:${db.databaseName}:${name}`);
    this.#releases.onmessage = () => {
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    };
    // A hint, never a reason to keep a finished process or thread alive.
    this.#releases.unref();
  }

  /** Stops hearing of releases in this process; the lease still works, by looking alone. */
  close(): void {
    this.#releases.close();
  }

  /** Waits `ms`, or less if a holder in this process releases meanwhile. */
  async #pause(ms: number, signal?: AbortSignal): Promise<void> {
    const done = new AbortController();
    const { promise: released, resolve: wake } = Promise.withResolvers<void>();
    this.#waiters.add(wake);
    const waited = sleep(ms, undefined, {
      signal: signal === undefined ? done.signal : AbortSignal.any([signal, done.signal]),
    });
    try {
      await Promise.race([waited, released]);
    } finally {
      this.#waiters.delete(wake);
      done.abort();
      // The timer's own end (aborted above, or an abort of `signal` already thrown by the race).
      await waited.catch(() => undefined);
    }
  }

  #epochId(epoch: number): string {
    return `lease:${this.#name}#${epoch}`;
  }

  get #hintId(): string {
    return `lease:${this.#name}`;
  }

  async #serverNow(): Promise<{ server: number; local: number }> {
    const local = performance.now();
    const hello = await this.#db.admin().command({ hello: 1 });
    return { server: (hello.localTime as Date).getTime(), local: (local + performance.now()) / 2 };
  }

  async #exists(epoch: number): Promise<boolean> {
    return (await this.#epochs.findOne({ _id: this.#epochId(epoch) }, { projection: { _id: 1 } })) !== null;
  }

  /**
   * An existing epoch above `epoch`, by galloping (epochs above the lowest existing one are
   * contiguous); undefined when there is none: every epoch was collected or removed, and whoever
   * held one is fenced by the check of its own epoch.
   */
  async #existingAbove(epoch: number): Promise<number | undefined> {
    for (let step = 1; step <= 2 ** 40; step *= 2) {
      if (await this.#exists(epoch + step)) return epoch + step;
    }
    return undefined;
  }

  /** Runs `body` holding the lease; released afterwards, whatever happens. */
  async run<T>(body: (lease: HeldLease) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const held = await this.#acquire(signal);
    try {
      return await body(held);
    } finally {
      await held.release();
    }
  }

  async #acquire(signal?: AbortSignal): Promise<HeldLease & { release(): Promise<void> }> {
    const epochs = this.#epochs;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const hint = await this.#hints.findOne({ _id: this.#hintId });
      let latest = hint?.epoch ?? 0;
      if (latest > 0 && !(await this.#exists(latest))) {
        // The hinted epoch was collected (since the hint was read, or a hint update lost to an
        // older one): the live epochs, if any, are above it, and contiguous.
        latest = (await this.#existingAbove(latest)) ?? latest;
      }
      while (await this.#exists(latest + 1)) latest++;
      const current = latest === 0 ? null : await epochs.findOne({ _id: this.#epochId(latest) });
      if (latest > 0 && current === null) {
        // Collected between our reads: look again, after a pause.
        await sleep(backoffDelay(CLAIM_BACKOFF, attempt + 1), undefined, { signal });
        continue;
      }
      const now = await this.#serverNow();
      if (current !== null && !current.released && current.expiresAt.getTime() > now.server) {
        const wait = Math.min(
          current.expiresAt.getTime() - now.server,
          backoffDelay(CLAIM_BACKOFF, attempt + 1),
        );
        await this.#pause(Math.max(1, wait), signal);
        continue;
      }
      const epoch = latest + 1;
      try {
        await epochs.insertOne({
          _id: this.#epochId(epoch),
          holder: this.#holder,
          expiresAt: new Date(now.server + this.#ttlMs),
          released: false,
        });
      } catch (error) {
        if (serverCode(error) === SERVER_CODES.DuplicateKey) continue; // another claimant won
        throw error;
      }
      return this.#held(epoch, now);
    }
  }

  #held(epoch: number, claimedAt: { server: number; local: number }) {
    const epochs = this.#epochs;
    // Where the server's clock stands, from ours: its reading at the claim plus our elapsed time.
    const serverAt = (local: number) => claimedAt.server + (local - claimedAt.local);
    let validUntilLocal = claimedAt.local + this.#ttlMs;
    let lost: string | undefined;
    let releasing = false;
    /** The renewal on its way, if any: a release waits for it, so it cannot write the epoch back. */
    let renewal: Promise<void> | undefined;
    const renew = async (): Promise<void> => {
      if (releasing) return;
      const sent = performance.now();
      const expiresAt = serverAt(sent) + this.#ttlMs;
      const result = await epochs.updateOne(
        { _id: this.#epochId(epoch) },
        { $set: { expiresAt: new Date(expiresAt) } },
      );
      if (result.matchedCount === 1) validUntilLocal = sent + this.#ttlMs;
    };
    const renewing = Number.isFinite(this.#renewEveryMs)
      ? setInterval(() => {
          if (renewal !== undefined || releasing) return;
          renewal = renew()
            .catch((e: unknown) => void (lost ??= `renewal failed: ${String(e)}`))
            .finally(() => (renewal = undefined));
        }, this.#renewEveryMs)
      : undefined;
    renewing?.unref();
    return {
      epoch,
      check: async (): Promise<void> => {
        // Expired by our own count (renewals failed or never ran): another may hold it by now.
        if (performance.now() > validUntilLocal - Math.min(1000, this.#ttlMs / 10)) {
          lost ??= `epoch ${epoch} expired before it was renewed`;
        } else if (lost === undefined) {
          // Our own epoch must still be ours (a holder stalled long enough sees it collected, and
          // the one after it too), and no later one may exist.
          const [own, next] = await Promise.all([
            epochs.findOne({ _id: this.#epochId(epoch) }, { projection: { holder: 1 } }),
            this.#exists(epoch + 1),
          ]);
          if (own === null || own.holder !== this.#holder) lost = `epoch ${epoch} is no longer held`;
          else if (next) lost = `epoch ${epoch} was fenced by epoch ${epoch + 1}`;
        }
        if (lost !== undefined) throw new LeaseLostError(`rollup lease lost: ${lost}`);
      },
      release: async (): Promise<void> => {
        releasing = true;
        clearInterval(renewing);
        await renewal;
        if (lost !== undefined) return;
        await epochs.updateOne({ _id: this.#epochId(epoch) }, { $set: { released: true } });
        this.#releases.postMessage(epoch);
        // Collect the epochs before the previous one, oldest first (see HintDoc).
        const hints = this.#hints;
        const hint = await hints.findOne({ _id: this.#hintId });
        const from = hint?.collectedBelow ?? 1;
        for (let old = from; old < epoch - 1; old++) await epochs.deleteOne({ _id: this.#epochId(old) });
        try {
          await hints.updateOne(
            { _id: this.#hintId },
            { $max: { epoch, collectedBelow: Math.max(from, epoch - 1) } },
            { upsert: true },
          );
        } catch (error) {
          // Two first releases upserted the hint at once: the other's stands, and a hint only
          // says where to start looking.
          if (serverCode(error) !== SERVER_CODES.DuplicateKey) throw error;
        }
      },
    };
  }
}
