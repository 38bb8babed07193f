import type { Collection, Db } from 'mongodb';
import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import { IpstreamError } from '../errors/index.ts';
import { loadBitmaps } from '../sketch/index.ts';
import { MONGODB_PROFILE, type StoreProfile } from './backend.ts';
import { classify, type Classification, type Earlier, recordLogId, RecordLogView } from './decisions.ts';
import { deleteByIds, insertUnordered, readByIds, writeDocs } from './docs.ts';
import { fromEventDoc, refusedEvent, toDeadLetterDoc, toEventDoc } from './event-docs.ts';
import { BucketCache, TOTALS_ID } from './levels.ts';
import { FencedLease, type HeldLease } from './lease.ts';
import { DeviceRegistry } from './registry.ts';
import {
  type CurrentDocs,
  deviceStatsEntries,
  onePerOffset,
  type PlannedWrite,
  type RollupBatch,
  type RollupCollection,
  REPLAY_PK,
  planDeviceStats,
  planRollupsReading,
  type RollupEvent,
  toRollupEvent,
  touchedDocs,
} from './rollup-plan.ts';
import { COLLECTIONS, type DeadLetterDoc, type EventDoc, type Guarded, type TotalsDoc } from './schema.ts';
import { type EventsLayout, recordedSchema, type SchemaDoc } from './schema-version.ts';
import { decideBuckets } from './bucket-writes.ts';
import { StepClock, type StoreStep } from './step-clock.ts';
import { replayBucket } from './buckets.ts';

export interface StoreBatch {
  events: DeviceEvent[];
  deadLetters: DeadLetter[];
}

export interface StoreResult {
  /** Events stored by this write (counted as events). */
  inserted: number;
  /** Events stored already by an earlier delivery. */
  duplicates: number;
  /** Dead letters stored by this write, including records an earlier delivery decided were. */
  deadLetters: number;
  deadLetterDuplicates: number;
  /** Where the write's time went, by step (ms). */
  stepMs?: Partial<Record<StoreStep, number>>;
}

/**
 * What one write did with each record it counted, by record id: true where this write stored it,
 * false where an earlier delivery had (events and dead letters apart), and its time by step.
 */
interface Written {
  events: Map<string, boolean>;
  deadLetters: Map<string, boolean>;
  stepMs: Partial<Record<StoreStep, number>>;
}

function nothingWritten(clock: StepClock): Written {
  return { events: new Map(), deadLetters: new Map(), stepMs: clock.ms };
}

/** One batch's share of a write: its own records' counts, and of the time its share of the records. */
function resultOf(batch: StoreBatch, written: Written, share: number): StoreResult {
  const result: StoreResult = { inserted: 0, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 };
  // A record delivered twice in one batch is stored once: its second copy counts as a duplicate.
  const seen = new Set<string>();
  for (const r of [...batch.events, ...batch.deadLetters]) {
    const again = seen.has(r.id);
    seen.add(r.id);
    const event = written.events.get(r.id);
    if (event === true && !again) result.inserted++;
    else if (event !== undefined) result.duplicates++;
    const dead = written.deadLetters.get(r.id);
    if (dead === true && !again) result.deadLetters++;
    else if (dead !== undefined) result.deadLetterDuplicates++;
  }
  result.stepMs = Object.fromEntries(Object.entries(written.stepMs).map(([step, ms]) => [step, ms * share]));
  return result;
}

/** A dead letter a replay decodes into an event now. */
export interface ReplayEntry {
  /** The replay's sequence number: the rollups' guard offset under REPLAY_PK. */
  seq: number;
  /** The dead letter's id, which is its record's (and the event's). */
  deadLetterId: string;
  event: DeviceEvent;
}

export interface ReplayResult {
  /** Dead letters now counted as events: the caller deletes them. */
  replayed: string[];
  /** Dead letters of records stored as events already, counted once: the caller deletes them too. */
  alreadyStored: string[];
  /** Dead letters whose events the store refused again: they stay. */
  refused: { id: string; message: string }[];
}

/** Stops a rollup phase between its reads and its writes (tests stall a lease holder here). */
export type RollupPause = (stage: 'planned') => Promise<void>;

export interface EventStoreOptions {
  profile?: StoreProfile;
  /** Rollup lease expiry on servers that need one (default: the profile's). */
  leaseMs?: number;
  /** Lease renewal period (default: a third of its expiry). */
  leaseRenewMs?: number;
  /** Device ids kept in memory. */
  deviceCacheSize?: number;
  pause?: RollupPause;
  /**
   * How events are stored (EVENTS_LAYOUT): recorded for a new database, refused on one recorded
   * with the other; unset, whatever the database records.
   */
  layout?: EventsLayout;
}

const MAX_ROUNDS = 20;

/** The main plan leaves device_stats to #writeDeviceStats. */
const APART = { deviceStats: false } as const;

/**
 * device_stats documents read, planned and written at once. Each holds 256 devices (about 9 KB), and
 * a batch from 1M devices touches thousands of them, which were held together with their new
 * contents. In 12-minute soaks at INGEST_MEMORY_MB=256 from 1M devices, the high-water mark at
 * minute 12 was 276 MB with slices against 297 without (docs/benchmarks.md, "Soak").
 */
export const DEVICE_STATS_SLICE = 256;

/** How a replay counts its entries: see EventStore.replay. */
interface ReplayOutcome {
  replay: ReplayEntry[];
  alreadyStored: string[];
  /** Records no delivery has decided yet: ingest's to decide, not the replay's. */
  undecided: string[];
}

/** One round of deciding: what the rollups count, and what the round decided. */
interface Round<T> {
  batch: RollupBatch;
  /** Documents read to decide (the record logs and the totals), reused by the planner. */
  read: ReadonlyMap<string, Guarded | null>;
  decided: T;
}

/**
 * Writes one batch: the events by their Kafka coordinates, then, deciding each record's form
 * once (decisions.ts), the read model (rollups, device details, totals) with each document guarded
 * by per-partition offsets, then the dead letters. Safe to call again with any overlapping batch,
 * from any worker, at any time, with any decoder: nothing is counted twice, and a record counts in
 * the form it was first stored in. docs/store.md describes the documents.
 */
export class EventStore {
  readonly #db: Db;
  readonly #events: Collection<EventDoc>;
  readonly #deadLetters: Collection<DeadLetterDoc>;
  readonly #profile: StoreProfile;
  readonly #registry: DeviceRegistry;
  readonly #lease: FencedLease | null;
  readonly #pause: RollupPause | undefined;
  readonly #layout: EventsLayout | undefined;
  #schema: Promise<SchemaDoc> | undefined;

  constructor(db: Db, options: EventStoreOptions = {}) {
    this.#db = db;
    this.#profile = options.profile ?? MONGODB_PROFILE;
    this.#events = db.collection(COLLECTIONS.events);
    this.#deadLetters = db.collection(COLLECTIONS.deadLetters);
    this.#registry = new DeviceRegistry(db, this.#profile, options.deviceCacheSize);
    const leaseMs = options.leaseMs ?? this.#profile.rollupLeaseMs;
    this.#lease =
      leaseMs === null
        ? null
        : new FencedLease(db, 'rollups', {
            ttlMs: leaseMs,
            ...(options.leaseRenewMs === undefined ? {} : { renewEveryMs: options.leaseRenewMs }),
          });
    this.#pause = options.pause;
    this.#layout = options.layout;
  }

  /**
   * Per partition, the highest offset applied to the totals (events and dead letters alike): the
   * store's own record of how far each partition is stored, gap-free.
   */
  async appliedThrough(): Promise<Record<string, number>> {
    const totals = await this.#db.collection<TotalsDoc>(COLLECTIONS.rollups).findOne({ _id: TOTALS_ID });
    return totals?.hw ?? {};
  }

  /** Lets go of what outlives a write (the device registry's channel); the client stays open. */
  close(): void {
    this.#registry.close();
    this.#lease?.close();
  }

  /** The schema record, read (and on a schema 1 database written) once per store. */
  #recordedSchema(): Promise<SchemaDoc> {
    this.#schema ??= recordedSchema(this.#db, { layout: this.#layout }).catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }

  async write(batch: StoreBatch, now = new Date()): Promise<StoreResult> {
    return (await this.writeMany([batch], now))[0]!;
  }

  /**
   * Writes several batches (of distinct partitions: one per consumer of a thread) as one: one
   * insert, one round under the rollup lease, so writers of one process do not take turns for it.
   * Returns each batch's own counts; the step times are shared out by records.
   */
  async writeMany(batches: readonly StoreBatch[], now = new Date()): Promise<StoreResult[]> {
    const merged: StoreBatch =
      batches.length === 1
        ? batches[0]!
        : { events: batches.flatMap((b) => b.events), deadLetters: batches.flatMap((b) => b.deadLetters) };
    const written = await this.#writeBatch(merged, now);
    const records = merged.events.length + merged.deadLetters.length;
    return batches.map((b) =>
      resultOf(
        b,
        written,
        records === 0 ? 1 / batches.length : (b.events.length + b.deadLetters.length) / records,
      ),
    );
  }

  async #writeBatch(batch: StoreBatch, now: Date): Promise<Written> {
    await loadBitmaps();
    const schema = await this.#recordedSchema();
    const clock = new StepClock();
    if (schema.layout === 'buckets') return this.#writeBuckets(batch, now, clock);
    // Events first: the store may refuse one for its content, which makes it a dead letter.
    const inserted = await this.#insert(
      this.#events,
      batch.events.map((e) => toEventDoc(e, now)),
    );
    clock.lap('insert');
    const refused = inserted.refused.map((r) => refusedEvent(batch.events[r.index]!, r.code, r.message));
    const refusedIds = new Set(refused.map((d) => d.id));
    const delivery = {
      events: batch.events.filter((e) => !refusedIds.has(e.id)),
      deadLetters: [...batch.deadLetters, ...refused],
    };
    const written = nothingWritten(clock);
    if (delivery.events.length === 0 && delivery.deadLetters.length === 0) return written;

    const decided = await this.#rollUp(clock, async () => {
      const { read, classification } = await this.#decide(delivery, schema);
      clock.lap('decide');
      return {
        read,
        decided: classification,
        batch: {
          events: await this.#countable(classification.events, clock),
          deadLetters: classification.deadLetters.map((d) => ({
            pk: partitionKey(d.topic, d.partition),
            offset: d.offset,
            docId: d.id,
          })),
          records: classification.records,
          storedAt: now.getTime(),
        },
      };
    });

    // After the decision: the dead letters stored, and no event document for a record that is not
    // one (this delivery's, or one a delivery that stopped before deciding left behind).
    await this.#storeDeadLetters(decided.deadLetters, now, written);
    await deleteByIds(this.#events, decided.notEvents, this.#profile);
    const counted = new Set(decided.events.map((e) => e.id));
    batch.events.forEach((e, i) => {
      if (counted.has(e.id))
        written.events.set(e.id, written.events.get(e.id) === true || !inserted.duplicateIndexes.has(i));
    });
    clock.lap('finish');
    return written;
  }

  /**
   * The buckets layout (buckets.ts): each partition's undecided records are decided by the bucket
   * that stores their run (this write's, or the one another delivery inserted first), inside the
   * round, then counted like any others.
   */
  async #writeBuckets(batch: StoreBatch, now: Date, clock: StepClock): Promise<Written> {
    const written = nothingWritten(clock);
    if (batch.events.length === 0 && batch.deadLetters.length === 0) return written;
    const decided = await this.#rollUp(clock, async () => {
      const round = await decideBuckets(this.#db, this.#profile, batch, now);
      clock.lap('decide');
      return {
        read: round.read,
        decided: round,
        batch: {
          events: await this.#countable(round.classification.events, clock),
          deadLetters: round.classification.deadLetters.map((d) => ({
            pk: partitionKey(d.topic, d.partition),
            offset: d.offset,
            docId: d.id,
          })),
          records: round.classification.records,
          bucketRuns: round.runs,
          storedAt: now.getTime(),
        },
      };
    });
    await this.#storeDeadLetters(decided.classification.deadLetters, now, written);
    const stored = new Set(decided.insertedIds);
    for (const e of decided.classification.events) written.events.set(e.id, stored.has(e.id));
    clock.lap('finish');
    return written;
  }

  /**
   * Inserts the dead letters decided, noting in `written` which were stored before; one the store
   * refuses stops the write (no retry helps).
   */
  async #storeDeadLetters(list: readonly DeadLetter[], now: Date, written: Written): Promise<void> {
    const deadLetters = await this.#insert(
      this.#deadLetters,
      list.map((d) => toDeadLetterDoc(d, now)),
    );
    if (deadLetters.refused.length > 0) {
      // Dead letters carry a bounded copy of the record: if even one is refused, no retry helps.
      const r = deadLetters.refused[0]!;
      throw new IpstreamError(
        'STORE_REJECTED',
        `the store refused a dead letter (code ${r.code}): ${r.message}`,
      );
    }
    list.forEach((d, i) => written.deadLetters.set(d.id, !deadLetters.duplicateIndexes.has(i)));
  }

  /**
   * Reads what earlier deliveries decided (the record logs, the totals' marks), and classifies the
   * delivery; reads the event documents it needs (records of schema 1, and events decided before
   * that this delivery decoded as dead letters) and classifies again with them.
   */
  async #decide(
    delivery: StoreBatch,
    schema: SchemaDoc,
  ): Promise<{ read: ReadonlyMap<string, Guarded | null>; classification: Classification }> {
    const ids = new Set<string>([TOTALS_ID]);
    for (const r of [...delivery.events, ...delivery.deadLetters])
      ids.add(recordLogId(partitionKey(r.topic, r.partition), r.offset));
    const read = new Map(await readByIds(this.#collection('rollups'), [...ids], this.#profile));
    const earlier: Earlier = {
      log: new RecordLogView(read),
      legacyMarks: (read.get(TOTALS_ID) as TotalsDoc | null)?.hw ?? {},
    };
    let classification = classify(delivery, earlier);
    const wanted = [...classification.legacyNeeded, ...classification.storedEventsNeeded];
    if (wanted.length > 0) {
      const docs = await readByIds(this.#events, wanted, this.#profile);
      const deadLetters = await readByIds(this.#deadLetters, classification.legacyNeeded, this.#profile);
      const bytes = new Map(
        [...delivery.events, ...delivery.deadLetters].map((r) => [r.id, r.bytes] as const),
      );
      // Schema 1 stored an event before its rollups, so an event document older than the schema
      // record is its decision; a younger one was inserted by a delivery since, which decides
      // nothing. Without either document, retention expired the event.
      const legacyForms = new Map(
        classification.legacyNeeded.map((id) => {
          const doc = docs.get(id);
          const legacyEvent = doc != null && doc.ingestedAt < schema.recordedAt;
          const form = legacyEvent || deadLetters.get(id) == null ? 'event' : 'dead';
          return [id, form] as const;
        }),
      );
      const storedEvents = new Map(
        wanted.map((id) => {
          const doc = docs.get(id);
          return [id, doc == null ? null : fromEventDoc(doc, bytes.get(id) ?? 0)] as const;
        }),
      );
      classification = classify(delivery, { ...earlier, legacyForms, storedEvents });
    }
    return { read, classification };
  }

  /**
   * Stores dead letters that decode now as events, under their own ids, and takes them out of the
   * dead-letter counts. Their rollups are guarded by the replay's sequence numbers (REPLAY_PK), and
   * the record log marks them replayed, so a replay cut short and run again with the same entries
   * counts each once, and a delivery of the record from Kafka never counts it again. Only for dead
   * letters whose partitions' consumers committed past them.
   */
  async replay(entries: readonly ReplayEntry[], now = new Date()): Promise<ReplayResult> {
    await loadBitmaps();
    const schema = await this.#recordedSchema();
    // Under its record's id: an event document, or a bucket of its own in the buckets layout.
    const inserted = await this.#insert<{ _id: string }>(
      this.#db.collection<{ _id: string }>(COLLECTIONS.events),
      entries.map((e) =>
        schema.layout === 'buckets' ? replayBucket(e.event, now) : toEventDoc(e.event, now),
      ),
    );
    const refused = new Map(inserted.refused.map((r) => [entries[r.index]!.deadLetterId, r.message]));
    const candidates = entries.filter((e) => !refused.has(e.deadLetterId));
    const existedBefore = new Set(
      entries.filter((_, i) => inserted.duplicateIndexes.has(i)).map((e) => e.deadLetterId),
    );
    let outcome: ReplayOutcome = { replay: [], alreadyStored: [], undecided: [] };
    if (candidates.length > 0) {
      // The replay reports no step times; its clock only serves the shared steps.
      const clock = new StepClock();
      outcome = await this.#rollUp(clock, async () => {
        const ids = new Set<string>([TOTALS_ID]);
        for (const e of candidates)
          ids.add(recordLogId(partitionKey(e.event.topic, e.event.partition), e.event.offset));
        const read = new Map(await readByIds(this.#collection('rollups'), [...ids], this.#profile));
        const log = new RecordLogView(read);
        const legacyMarks = (read.get(TOTALS_ID) as TotalsDoc | null)?.hw ?? {};
        const outcome: ReplayOutcome = { replay: [], alreadyStored: [], undecided: [] };
        const uncounted: string[] = [];
        for (const e of candidates) {
          const pk = partitionKey(e.event.topic, e.event.partition);
          const form = log.form(pk, e.event.offset);
          // Replayed under this entry's number: a run cut short, finished with the same numbers.
          // Under another: an earlier replay counted it, and this dead letter is a leftover.
          if (form === 'dead' || (form === 'replayed' && log.replayedBy(pk, e.event.offset) === e.seq))
            outcome.replay.push(e);
          else if (form === 'replayed') outcome.alreadyStored.push(e.deadLetterId);
          // Decided as an event: the dead letter was never counted (a delivery that stopped left it).
          else if (form === 'event') outcome.alreadyStored.push(e.deadLetterId);
          else if (e.event.offset > (legacyMarks[pk] ?? -1)) outcome.undecided.push(e.deadLetterId);
          // Schema 1 kept both when two deliveries disagreed, and counted the dead letter.
          else if (existedBefore.has(e.deadLetterId)) uncounted.push(e.deadLetterId);
          else outcome.replay.push(e);
        }
        const events = await this.#countable(
          outcome.replay.map((e) => e.event),
          clock,
        );
        events.forEach((r, i) => {
          r.pk = REPLAY_PK;
          r.offset = outcome.replay[i]!.seq;
          r.replayOf = outcome.replay[i]!.event.id;
        });
        const bySeq = new Map(entries.map((e) => [e.deadLetterId, e.seq]));
        outcome.alreadyStored.push(...uncounted);
        return {
          read,
          decided: outcome,
          batch: {
            events,
            deadLetters: [],
            replayedDeadLetters: [...outcome.replay.map((e) => e.deadLetterId), ...uncounted].map((id) => ({
              pk: REPLAY_PK,
              offset: bySeq.get(id)!,
              docId: id,
            })),
            replayedRecords: outcome.replay.map((e) => ({
              pk: partitionKey(e.event.topic, e.event.partition),
              offset: e.event.offset,
              seq: e.seq,
            })),
            storedAt: now.getTime(),
          },
        };
      });
    }
    // An event of a record not decided yet is ingest's to decide: not the replay's.
    const inserts = new Set(
      entries.filter((e) => !existedBefore.has(e.deadLetterId)).map((e) => e.deadLetterId),
    );
    await deleteByIds(
      this.#events,
      outcome.undecided.filter((id) => inserts.has(id)),
      this.#profile,
    );
    return {
      replayed: outcome.replay.map((e) => e.deadLetterId),
      alreadyStored: outcome.alreadyStored,
      refused: [...refused].map(([id, message]) => ({ id, message })),
    };
  }

  /**
   * Inserts documents whose _id makes a replay a no-op; returns which were there already and which
   * the server refused, by index.
   */
  async #insert<D extends { _id: string }>(collection: Collection<D>, docs: D[]) {
    const outcome =
      docs.length === 0 ? { duplicates: [], refused: [] } : await insertUnordered(collection, docs);
    return { duplicateIndexes: new Set(outcome.duplicates), refused: outcome.refused };
  }

  /**
   * Decides and counts, in rounds until no other writer got in between (MongoDB) or under the
   * lease (FerretDB): each round decides from fresh reads, so a decision another writer took first
   * stands. Returns what the round that was written decided.
   */
  async #rollUp<T>(clock: StepClock, prepare: () => Promise<Round<T>>): Promise<T> {
    const body = async (lease: HeldLease | null): Promise<T> => {
      clock.lap('lease');
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const { batch, read, decided } = await prepare();
        const buckets = new BucketCache();
        const current = await this.#read(touchedDocs(batch, buckets, APART), read);
        clock.lap('read');
        const writes = await planRollupsReading(
          batch,
          current,
          (ids) => readByIds(this.#collection('rollups'), ids, this.#profile),
          buckets,
          APART,
        );
        clock.lap('plan');
        await this.#pause?.('planned');
        const conflicts = writes.length === 0 ? 0 : await this.#write(writes, lease);
        clock.lap('rollups');
        if (conflicts === 0) {
          // After the totals: a crash before they land leaves them to the replay, whose plan finds
          // every other document's marks past the records and writes only these.
          await this.#writeDeviceStats(batch.events, lease);
          clock.lap('rollups');
          return decided;
        }
      }
      throw new IpstreamError('ROLLUP_CONTENTION', `rollups did not settle in ${MAX_ROUNDS} rounds`, {
        retriable: true,
      });
    };
    if (this.#lease === null) return body(null);
    const decided = await this.#lease.run(body);
    clock.lap('lease');
    return decided;
  }

  /** The events as the rollups count them, with their devices' ids (registering new devices). */
  async #countable(events: readonly DeviceEvent[], clock: StepClock): Promise<RollupBatch['events']> {
    // New devices get ids in the order the batch meets them (arrival order).
    const firstEvents = new Map<string, string>();
    for (const e of events) if (!firstEvents.has(e.ip)) firstEvents.set(e.ip, e.id);
    const ids = await this.#registry.resolve(firstEvents);
    clock.lap('devices');
    return events.map((e) => toRollupEvent(e, ids.get(e.ip)!));
  }

  #collection(name: RollupCollection): Collection<Guarded> {
    return this.#db.collection<Guarded>(name === 'rollups' ? COLLECTIONS.rollups : COLLECTIONS.deviceStats);
  }

  /** The documents of `refs`, taking those already read from `known`. */
  async #read(
    refs: ReturnType<typeof touchedDocs>,
    known: ReadonlyMap<string, Guarded | null>,
  ): Promise<CurrentDocs> {
    const current = new Map<string, Guarded | null>();
    for (const name of ['rollups', 'deviceStats'] as const) {
      const ids: string[] = [];
      for (const r of refs) {
        if (r.collection !== name) continue;
        if (name === 'rollups' && known.has(r.id)) current.set(r.id, known.get(r.id)!);
        else ids.push(r.id);
      }
      for (const [id, doc] of await readByIds(this.#collection(name), ids, this.#profile))
        current.set(id, doc);
    }
    return current;
  }

  /**
   * The device_stats documents of `events`, DEVICE_STATS_SLICE at a time: read, planned against
   * their marks and written; a slice another writer changed meanwhile is read and planned again.
   */
  async #writeDeviceStats(events: readonly RollupEvent[], lease: HeldLease | null): Promise<void> {
    const byDoc = [...deviceStatsEntries(onePerOffset(events))];
    const collection = this.#collection('deviceStats');
    for (let i = 0; i < byDoc.length; i += DEVICE_STATS_SLICE) {
      const slice = byDoc.slice(i, i + DEVICE_STATS_SLICE);
      for (let round = 1; ; round++) {
        const current = await readByIds(
          collection,
          slice.map(([id]) => id),
          this.#profile,
        );
        const writes = planDeviceStats(slice, current);
        if (writes.length === 0) break;
        const { conflicts } = await writeDocs(collection, writes, this.#profile, lease?.check);
        if (conflicts === 0) break;
        if (round === MAX_ROUNDS)
          throw new IpstreamError(
            'ROLLUP_CONTENTION',
            `device stats did not settle in ${MAX_ROUNDS} rounds`,
            { retriable: true },
          );
      }
    }
  }

  /** Phase by phase (children before the heads that summarise them); returns the conflicts. */
  async #write(writes: PlannedWrite[], lease: HeldLease | null): Promise<number> {
    const phases = [...new Set(writes.map((w) => w.phase))].sort((a, b) => a - b);
    let conflicts = 0;
    for (const phase of phases) {
      for (const name of ['rollups', 'deviceStats'] as const) {
        const these = writes.filter((w) => w.phase === phase && w.collection === name);
        if (these.length === 0) continue;
        const result = await writeDocs(this.#collection(name), these, this.#profile, lease?.check);
        conflicts += result.conflicts;
      }
      // A head must not be written over children that did not all land: plan again from reads.
      if (conflicts > 0) return conflicts;
    }
    return 0;
  }
}
