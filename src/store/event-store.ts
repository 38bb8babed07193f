import type { Collection, Db } from 'mongodb';
import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import { IpstreamError } from '../errors/index.ts';
import { loadBitmaps } from '../sketch/index.ts';
import { MONGODB_PROFILE, type StoreProfile } from './backend.ts';
import { readByIds, writeDocs } from './docs.ts';
import { BucketCache, TOTALS_ID } from './levels.ts';
import { FencedLease, type HeldLease } from './lease.ts';
import { type DeviceId, DeviceRegistry } from './registry.ts';
import {
  type CurrentDocs,
  type PlannedWrite,
  type RollupBatch,
  type RollupCollection,
  type RollupEvent,
  REPLAY_PK,
  planRollups,
  touchedDocs,
} from './rollup-plan.ts';
import { COLLECTIONS, type DeadLetterDoc, type EventDoc, type Guarded, type TotalsDoc } from './schema.ts';
import { insertOutcome } from './write-errors.ts';

export interface StoreBatch {
  events: DeviceEvent[];
  deadLetters: DeadLetter[];
}

export interface StoreResult {
  inserted: number;
  duplicates: number;
  deadLetters: number;
  deadLetterDuplicates: number;
}

/** A dead letter a replay decoded into an event, or found stored already (`event` null). */
export interface ReplayEntry {
  /** The replay's sequence number: the rollups' guard offset under REPLAY_PK. */
  seq: number;
  deadLetterId: string;
  event: DeviceEvent | null;
}

export interface ReplayResult {
  /** Dead letters now counted as events (or as stored already): the caller deletes them. */
  replayed: string[];
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
}

const MAX_ROUNDS = 20;
const REFUSED_VALUE_CHARS = 4096;

export function toEventDoc(e: DeviceEvent, ingestedAt: Date): EventDoc {
  const doc: EventDoc = {
    _id: e.id,
    ts: new Date(e.ts),
    ip: e.ip,
    errorCode: e.errorCode,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    ingestedAt,
  };
  if (e.extra !== undefined) doc.extra = e.extra;
  return doc;
}

/**
 * An event as the rollups count it: guarded by its partition's offset, counted for its device's
 * dense id, and counting the device in the totals when it is the event that registered it.
 */
export function toRollupEvent(e: DeviceEvent, device: DeviceId): RollupEvent {
  return {
    pk: partitionKey(e.topic, e.partition),
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    ts: e.ts,
    ip: e.ip,
    id: device.n,
    code: e.errorCode,
    registers: device.by === e.id,
  };
}

function toDeadLetterDoc(d: DeadLetter, at: Date): DeadLetterDoc {
  return {
    _id: d.id,
    reason: d.reason,
    message: d.message,
    topic: d.topic,
    partition: d.partition,
    offset: d.offset,
    key: d.key,
    value: d.value,
    valueBytes: d.valueBytes,
    at,
  };
}

/** An event the store refused to keep: a dead letter in its place, with the server's reason. */
function refusedEvent(e: DeviceEvent, code: number, message: string): DeadLetter {
  return {
    id: e.id,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    reason: 'STORE_REJECTED',
    message: `the store refused the event (code ${code}): ${message}`.slice(0, 1000),
    key: null,
    // The raw value is gone by now; its decoded fields say what the record held.
    value: JSON.stringify({
      timestamp: new Date(e.ts).toISOString(),
      device_ip: e.ip,
      error_code: e.errorCode,
      ...e.extra,
    }).slice(0, REFUSED_VALUE_CHARS),
    valueBytes: e.bytes,
    bytes: e.bytes,
  };
}

/**
 * Writes one batch: events and dead letters by their Kafka coordinates (a replay inserts nothing),
 * then the read model (rollups, device details, totals), each document guarded by per-partition
 * offsets. Safe to call again with any overlapping batch, from any worker, at any time: nothing is
 * counted twice. docs/store.md describes the documents.
 */
export class EventStore {
  readonly #db: Db;
  readonly #events: Collection<EventDoc>;
  readonly #deadLetters: Collection<DeadLetterDoc>;
  readonly #profile: StoreProfile;
  readonly #registry: DeviceRegistry;
  readonly #lease: FencedLease | null;
  readonly #pause: RollupPause | undefined;

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
  }

  async write(batch: StoreBatch, now = new Date()): Promise<StoreResult> {
    await loadBitmaps();
    const events = await this.#insert(
      this.#events,
      batch.events.map((e) => toEventDoc(e, now)),
    );
    const refused = events.refused.map((r) => refusedEvent(batch.events[r.index]!, r.code, r.message));
    const deadLetterList = [...batch.deadLetters, ...refused];
    const deadLetters = await this.#insert(
      this.#deadLetters,
      deadLetterList.map((d) => toDeadLetterDoc(d, now)),
    );
    if (deadLetters.refused.length > 0) {
      // Dead letters carry a bounded copy of the value: if even one is refused, no retry helps.
      const r = deadLetters.refused[0]!;
      throw new IpstreamError(
        'STORE_REJECTED',
        `the store refused a dead letter (code ${r.code}): ${r.message}`,
      );
    }
    const refusedIds = new Set(refused.map((d) => d.id));
    const stored = batch.events.filter((e) => !refusedIds.has(e.id));
    if (stored.length > 0 || deadLetterList.length > 0) {
      const rollup = await this.#rollupBatch(stored, now.getTime());
      rollup.deadLetters = deadLetterList.map((d) => ({
        pk: partitionKey(d.topic, d.partition),
        offset: d.offset,
        docId: d.id,
      }));
      await this.#rollUp(rollup);
    }
    return {
      inserted: events.inserted,
      duplicates: events.duplicates,
      deadLetters: deadLetters.inserted,
      deadLetterDuplicates: deadLetters.duplicates,
    };
  }

  /**
   * Stores dead letters that decode now as events, under their own ids, and takes them out of the
   * dead-letter counts. Their rollups are guarded by the replay's sequence numbers (REPLAY_PK), so a
   * replay cut short and run again with the same entries counts each once. Only for dead letters
   * whose partitions' consumers committed past them: ingest never delivers those again.
   */
  async replay(entries: readonly ReplayEntry[], now = new Date()): Promise<ReplayResult> {
    await loadBitmaps();
    const withEvents = entries.filter((e) => e.event !== null);
    const inserted = await this.#insert(
      this.#events,
      withEvents.map((e) => toEventDoc(e.event!, now)),
    );
    const refused = new Map(inserted.refused.map((r) => [withEvents[r.index]!.deadLetterId, r.message]));
    const kept = entries.filter((e) => !refused.has(e.deadLetterId));
    const replayedEvents = kept.flatMap((e) => (e.event === null ? [] : [e]));
    const rollup = await this.#rollupBatch(
      replayedEvents.map((e) => e.event!),
      now.getTime(),
    );
    rollup.events.forEach((r, i) => {
      r.pk = REPLAY_PK;
      r.offset = replayedEvents[i]!.seq;
      r.replayOf = replayedEvents[i]!.event!.id;
    });
    rollup.replayedDeadLetters = kept.map((e) => ({ pk: REPLAY_PK, offset: e.seq, docId: e.deadLetterId }));
    if (kept.length > 0) await this.#rollUp(rollup);
    return {
      replayed: kept.map((e) => e.deadLetterId),
      refused: [...refused].map(([id, message]) => ({ id, message })),
    };
  }

  /** Inserts documents whose _id makes a replay a no-op; documents the server refuses are returned. */
  async #insert<D extends { _id: string }>(collection: Collection<D>, docs: D[]) {
    const result = {
      inserted: 0,
      duplicates: 0,
      refused: [] as { index: number; code: number; message: string }[],
    };
    if (docs.length === 0) return result;
    try {
      // Our documents always carry their _id, which the driver's generic type cannot see.
      await collection.insertMany(docs as unknown as Parameters<Collection<D>['insertMany']>[0], {
        ordered: false,
      });
      result.inserted = docs.length;
    } catch (error) {
      const outcome = insertOutcome(error);
      if (outcome === undefined) throw error;
      result.duplicates = outcome.duplicates.length;
      result.refused = outcome.refused;
      result.inserted = docs.length - result.duplicates - result.refused.length;
    }
    return result;
  }

  async #rollUp(batch: RollupBatch): Promise<void> {
    const body = async (lease: HeldLease | null): Promise<void> => {
      const buckets = new BucketCache();
      const refs = touchedDocs(batch, buckets);
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const current = await this.#read(refs);
        const writes = planRollups(batch, current, buckets);
        await this.#pause?.('planned');
        if (writes.length === 0) return;
        const conflicts = await this.#write(writes, lease);
        if (conflicts === 0) return;
      }
      throw new IpstreamError('ROLLUP_CONTENTION', `rollups did not settle in ${MAX_ROUNDS} rounds`, {
        retriable: true,
      });
    };
    if (this.#lease === null) await body(null);
    else await this.#lease.run(body);
  }

  /** The batch's events with their devices' ids (registering new devices), and no dead letters yet. */
  async #rollupBatch(events: DeviceEvent[], storedAt: number): Promise<RollupBatch> {
    // New devices get ids in the order the batch meets them (arrival order).
    const firstEvents = new Map<string, string>();
    for (const e of events) if (!firstEvents.has(e.ip)) firstEvents.set(e.ip, e.id);
    const ids = await this.#registry.resolve(firstEvents);
    return {
      events: events.map((e) => toRollupEvent(e, ids.get(e.ip)!)),
      deadLetters: [],
      storedAt,
    };
  }

  #collection(name: RollupCollection): Collection<Guarded> {
    return this.#db.collection<Guarded>(name === 'rollups' ? COLLECTIONS.rollups : COLLECTIONS.deviceStats);
  }

  async #read(refs: ReturnType<typeof touchedDocs>): Promise<CurrentDocs> {
    const current = new Map<string, Guarded | null>();
    for (const name of ['rollups', 'deviceStats'] as const) {
      const ids = refs.filter((r) => r.collection === name).map((r) => r.id);
      for (const [id, doc] of await readByIds(this.#collection(name), ids, this.#profile))
        current.set(id, doc);
    }
    return current;
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
