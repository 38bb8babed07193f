/**
 * Dead-letter replay: decodes stored dead letters again with today's decoder and stores those now
 * valid as events, exactly once, under their records' ids, then removes them from the dead letters.
 *
 * Exactly once without transactions, as ingest does it: the rollups are guarded by offsets, here
 * the replay's own sequence numbers (REPLAY_PK in rollup-plan.ts). A batch's numbers are taken from
 * a counter and written down (`meta`, `dead-letter-replay`) before anything is stored, and a run
 * first finishes a batch a crash left written down, with the same numbers, so each dead letter
 * counts once however often the replay is cut short. Runs take turns under a lease.
 *
 * Only dead letters whose partition's consumer group committed past them are replayed: ingest
 * never delivers those records again, so no record is stored by both.
 */
import type { Db } from 'mongodb';
import { type DecodeLimits, decodeRecord, type DeviceEvent, recoverRecord } from '../events/index.ts';
import type { TopicAdmin } from '../kafka/index.ts';
import {
  COLLECTIONS,
  type DeadLetterDoc,
  deleteByIds,
  detectStoreProfile,
  EventStore,
  FencedLease,
  type HeldLease,
  readByIds,
  type ReplayEntry,
  type StoreProfile,
} from '../store/index.ts';

const PENDING_ID = 'dead-letter-replay';
const SEQUENCE_ID = 'dead-letter-replay-seq';
const LEASE_MS = 60_000;

export interface ReplayOptions {
  /** Only dead letters with this reason. */
  reason?: string;
  /** Count what a replay would do; change nothing. */
  dryRun: boolean;
  /** The ingest consumer group, whose commits say which dead letters are settled. */
  group: string;
  decodeLimits: DecodeLimits;
  /** Dead letters per store write. */
  batchSize?: number;
  onProgress?: (report: ReplayReport) => void;
  /** Called after a batch is written down and after it is stored (tests cut a replay short here). */
  checkpoint?: (stage: 'written-down' | 'stored') => Promise<void>;
}

export interface ReplayReport {
  /** Dead letters with the reason asked for. */
  matched: number;
  /** Not replayed: their partitions' consumers have not committed past them, so ingest may still. */
  uncommitted: number;
  /** Of the rest, how many were looked at so far. */
  processed: number;
  /** Not replayed: the dead letter keeps only part of the value. */
  truncated: number;
  /** Not replayed: still invalid, by today's reason. */
  stillInvalid: Record<string, number>;
  /** Stored as events and removed from the dead letters (a dry run: would be). */
  stored: number;
  /** Their events were stored already; only the dead letters went. */
  alreadyStored: number;
  /** The store refused the events again; they stay dead letters. */
  refused: number;
}

interface PendingDoc {
  _id: typeof PENDING_ID;
  firstSeq: number;
  ids: string[];
}

interface Candidate {
  _id: string;
  topic: string;
  partition: number;
  offset: number;
}

export async function replayDeadLetters(
  db: Db,
  admin: TopicAdmin,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const replay = new Replay(db, await detectStoreProfile(db), options);
  if (options.dryRun) return replay.run(null, admin);
  return new FencedLease(db, 'dead-letter-replay', { ttlMs: LEASE_MS }).run((lease) =>
    replay.run(lease, admin),
  );
}

class Replay {
  readonly #db: Db;
  readonly #profile: StoreProfile;
  readonly #options: ReplayOptions;
  readonly #store: EventStore;
  readonly report: ReplayReport = {
    matched: 0,
    uncommitted: 0,
    processed: 0,
    truncated: 0,
    stillInvalid: {},
    stored: 0,
    alreadyStored: 0,
    refused: 0,
  };

  constructor(db: Db, profile: StoreProfile, options: ReplayOptions) {
    this.#db = db;
    this.#profile = profile;
    this.#options = options;
    this.#store = new EventStore(db, { profile });
  }

  get #deadLetters() {
    return this.#db.collection<DeadLetterDoc>(COLLECTIONS.deadLetters);
  }

  get #pending() {
    return this.#db.collection<PendingDoc>(COLLECTIONS.meta);
  }

  async run(lease: HeldLease | null, admin?: TopicAdmin): Promise<ReplayReport> {
    try {
      return await this.#run(lease, admin);
    } finally {
      this.#store.close();
    }
  }

  async #run(lease: HeldLease | null, admin?: TopicAdmin): Promise<ReplayReport> {
    if (lease !== null) await this.#finishPending(lease);
    const candidates = await this.#deadLetters
      .find(this.#options.reason === undefined ? {} : { reason: this.#options.reason }, {
        projection: { topic: 1, partition: 1, offset: 1 },
      })
      .toArray();
    this.report.matched = candidates.length;
    const settled = await this.#settled(candidates, admin);
    this.report.uncommitted = candidates.length - settled.length;
    this.#options.onProgress?.(this.report);
    const size = this.#options.batchSize ?? 500;
    for (let i = 0; i < settled.length; i += size) {
      const ids = settled.slice(i, i + size).map((c) => c._id);
      const entries = await this.#decode(ids);
      if (lease === null) {
        // A dry run cannot ask the record log without writing: it counts every decodable one.
        this.report.stored += entries.length;
      } else {
        await this.#apply(await this.#numbered(entries, lease), lease);
      }
      this.report.processed += ids.length;
      this.#options.onProgress?.(this.report);
    }
    return this.report;
  }

  /** Candidates whose partition's group committed past them (all of them without Kafka: a dry run). */
  async #settled(candidates: Candidate[], admin: TopicAdmin | undefined): Promise<Candidate[]> {
    if (admin === undefined) return candidates;
    const partitions = new Map<string, number>();
    for (const c of candidates)
      partitions.set(c.topic, Math.max(partitions.get(c.topic) ?? 0, c.partition + 1));
    const committed = new Map<string, (number | null)[]>();
    for (const [topic, count] of partitions)
      committed.set(topic, await admin.committed(topic, this.#options.group, count));
    return candidates.filter((c) => (committed.get(c.topic)?.[c.partition] ?? -1) > c.offset);
  }

  /** The dead letters that decode now, with their events. */
  async #decode(ids: string[]): Promise<{ deadLetterId: string; event: DeviceEvent }[]> {
    const docs = await readByIds(this.#deadLetters, ids, this.#profile);
    const decoded: { deadLetterId: string; event: DeviceEvent }[] = [];
    for (const [id, doc] of docs) {
      if (doc === null) continue;
      const recovered = recoverRecord(doc);
      if (!recovered.ok) {
        this.report.truncated++;
        continue;
      }
      const result = decodeRecord(recovered.record, this.#options.decodeLimits);
      if (!result.ok) {
        const reason = result.deadLetter.reason;
        this.report.stillInvalid[reason] = (this.report.stillInvalid[reason] ?? 0) + 1;
        continue;
      }
      decoded.push({ deadLetterId: id, event: result.event });
    }
    return decoded;
  }

  /** Takes sequence numbers for a batch and writes the batch down before anything is stored. */
  async #numbered(entries: Omit<ReplayEntry, 'seq'>[], lease: HeldLease): Promise<ReplayEntry[]> {
    if (entries.length === 0) return [];
    await lease.check();
    const counter = await this.#db
      .collection<{ _id: string; next: number }>(COLLECTIONS.meta)
      .findOneAndUpdate(
        { _id: SEQUENCE_ID },
        { $inc: { next: entries.length } },
        { upsert: true, returnDocument: 'after' },
      );
    const firstSeq = counter!.next - entries.length + 1;
    await lease.check();
    await this.#pending.replaceOne(
      { _id: PENDING_ID },
      { firstSeq, ids: entries.map((e) => e.deadLetterId) },
      { upsert: true },
    );
    await this.#options.checkpoint?.('written-down');
    return entries.map((e, i) => ({ ...e, seq: firstSeq + i }));
  }

  /** A batch a run wrote down and did not finish, done again with the same numbers. */
  async #finishPending(lease: HeldLease): Promise<void> {
    const pending = await this.#pending.findOne({ _id: PENDING_ID });
    if (pending === null) return;
    const seqs = new Map(pending.ids.map((id, i) => [id, pending.firstSeq + i]));
    // The same numbers as written down: what the cut-short run counted, it does not count again.
    const entries = (await this.#decode(pending.ids)).map((e) => ({
      ...e,
      seq: seqs.get(e.deadLetterId)!,
    }));
    await this.#apply(entries, lease);
  }

  async #apply(entries: ReplayEntry[], lease: HeldLease): Promise<void> {
    if (entries.length > 0) {
      const result = await this.#store.replay(entries);
      await this.#options.checkpoint?.('stored');
      this.report.refused += result.refused.length;
      this.report.stored += result.replayed.length;
      this.report.alreadyStored += result.alreadyStored.length;
      await lease.check();
      await deleteByIds(this.#deadLetters, [...result.replayed, ...result.alreadyStored], this.#profile);
    }
    await lease.check();
    await this.#pending.deleteOne({ _id: PENDING_ID });
  }
}
