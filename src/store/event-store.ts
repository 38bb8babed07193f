import { Binary, type Collection, type Db } from 'mongodb';
import type { DeadLetter, DeviceEvent } from '../events/event.ts';
import { HyperLogLog } from '../sketch/hll.ts';
import { MONGODB_PROFILE, type StoreProfile } from './backend.ts';
import { casRounds, insertIdempotent } from './cas.ts';
import { withLease } from './lease.ts';
import {
  bucketId,
  deviceDelta,
  freshEntries,
  groupByBucket,
  groupByDevice,
  type BucketGroup,
} from './rollup-plan.ts';
import { type BucketDoc, COLLECTIONS, type DeadLetterDoc, type DeviceDoc, type EventDoc } from './schema.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const HLL_PRECISION = 14;

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

export function toEventDoc(e: DeviceEvent, ingestedAt: Date): EventDoc {
  const doc: EventDoc = {
    _id: e.id,
    ts: new Date(e.ts),
    ip: e.ip,
    errorCode: e.errorCode,
    minute: new Date(Math.floor(e.ts / MINUTE_MS) * MINUTE_MS),
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    ingestedAt,
  };
  if (e.extra !== undefined) doc.extra = e.extra;
  return doc;
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

/**
 * Writes one batch: events and dead letters by deterministic _id (a replay inserts nothing), then
 * the rollups (devices, minute and hour buckets) through per-partition offset guards. Safe to call
 * again with any overlapping batch, from any worker, at any time: nothing is counted twice.
 */
export class EventStore {
  readonly #events: Collection<EventDoc>;
  readonly #deadLetters: Collection<DeadLetterDoc>;
  readonly #devices: Collection<DeviceDoc>;
  readonly #minutes: Collection<BucketDoc>;
  readonly #hours: Collection<BucketDoc>;
  readonly #profile: StoreProfile;

  readonly #db: Db;

  constructor(db: Db, profile: StoreProfile = MONGODB_PROFILE) {
    this.#db = db;
    this.#profile = profile;
    this.#events = db.collection(COLLECTIONS.events);
    this.#deadLetters = db.collection(COLLECTIONS.deadLetters);
    this.#devices = db.collection(COLLECTIONS.devices);
    this.#minutes = db.collection(COLLECTIONS.minutes);
    this.#hours = db.collection(COLLECTIONS.hours);
  }

  async write(batch: StoreBatch, now = new Date()): Promise<StoreResult> {
    const [events, deadLetters] = await Promise.all([
      insertIdempotent(
        this.#events,
        batch.events.map((e) => toEventDoc(e, now)),
      ),
      insertIdempotent(
        this.#deadLetters,
        batch.deadLetters.map((d) => toDeadLetterDoc(d, now)),
      ),
    ]);
    if (batch.events.length > 0) {
      const rollups = [
        () => this.#rollDevices(batch.events),
        () => this.#rollBuckets(this.#minutes, groupByBucket(batch.events, MINUTE_MS)),
        () => this.#rollBuckets(this.#hours, groupByBucket(batch.events, HOUR_MS)),
      ];
      const rollAll = async (): Promise<void> => {
        if (this.#profile.parallelRollups) await Promise.all(rollups.map((r) => r()));
        else for (const r of rollups) await r();
      };
      if (this.#profile.rollupLeaseMs === null) await rollAll();
      else await withLease(this.#db, 'rollups', this.#profile.rollupLeaseMs, rollAll);
    }
    return {
      inserted: events.inserted,
      duplicates: events.duplicates,
      deadLetters: deadLetters.inserted,
      deadLetterDuplicates: deadLetters.duplicates,
    };
  }

  async #rollDevices(events: DeviceEvent[]): Promise<void> {
    const groups = groupByDevice(events);
    await casRounds(
      this.#devices,
      [...groups.keys()],
      { hw: 1 },
      this.#profile.updatesPerCommand,
      (ip, current) => {
        const byPk = groups.get(ip)!;
        if (current === null) {
          // A new device: insert it whole. If another writer inserts it first, the insert fails
          // with a duplicate key and the next round updates the document that writer created.
          const doc: DeviceDoc = {
            _id: ip,
            firstSeen: new Date(8.64e15),
            lastSeen: new Date(-8.64e15),
            events: 0,
            errorCodes: {},
            hw: {},
          };
          for (const [pk, entries] of byPk) {
            const d = deviceDelta(entries, -1)!;
            doc.events += d.events;
            if (d.firstSeen < doc.firstSeen.getTime()) doc.firstSeen = new Date(d.firstSeen);
            if (d.lastSeen > doc.lastSeen.getTime()) doc.lastSeen = new Date(d.lastSeen);
            for (const [code, n] of Object.entries(d.codes))
              doc.errorCodes[code] = (doc.errorCodes[code] ?? 0) + n;
            doc.hw[pk] = d.maxOffset;
          }
          return { insertOne: { document: doc } };
        }
        // Existing device: one update for all its partitions in this batch, conditioned on every
        // partition's hw being what we read (absent = never applied).
        const filter: Record<string, unknown> = { _id: ip };
        const inc: Record<string, number> = {};
        const set: Record<string, number> = {};
        let first = Infinity;
        let last = -Infinity;
        for (const [pk, entries] of byPk) {
          const hw = current.hw?.[pk];
          const d = deviceDelta(entries, hw ?? -1);
          if (d === null) continue;
          filter[`hw.${pk}`] = hw === undefined ? { $exists: false } : hw;
          set[`hw.${pk}`] = d.maxOffset;
          inc.events = (inc.events ?? 0) + d.events;
          for (const [code, n] of Object.entries(d.codes))
            inc[`errorCodes.${code}`] = (inc[`errorCodes.${code}`] ?? 0) + n;
          first = Math.min(first, d.firstSeen);
          last = Math.max(last, d.lastSeen);
        }
        if (Object.keys(set).length === 0) return null;
        return {
          updateOne: {
            filter,
            update: {
              $inc: inc,
              $set: set,
              $min: { firstSeen: new Date(first) },
              $max: { lastSeen: new Date(last) },
            },
          },
        };
      },
    );
  }

  async #rollBuckets(collection: Collection<BucketDoc>, groups: Map<string, BucketGroup>): Promise<void> {
    await casRounds(
      collection,
      [...groups.keys()],
      { hw: 1, hll: 1, events: 1 },
      this.#profile.updatesPerCommand,
      (id, current) => {
        const group = groups.get(id)!;
        const fresh = freshEntries(group.entries, current?.hw ?? -1);
        if (fresh.length === 0) return null;
        const sketch =
          current === null
            ? new HyperLogLog(HLL_PRECISION)
            : HyperLogLog.fromBytes(current.hll.buffer as Uint8Array);
        for (const e of fresh) sketch.add(e.ip);
        const maxOffset = fresh[fresh.length - 1]!.offset;
        const hll = new Binary(sketch.toBytes());
        if (current === null) {
          return {
            insertOne: {
              document: {
                _id: bucketId(group.start, group.pk),
                start: new Date(group.start),
                pk: group.pk,
                events: fresh.length,
                hll,
                hw: maxOffset,
              },
            },
          };
        }
        return {
          updateOne: {
            filter: { _id: id, hw: current.hw },
            update: { $inc: { events: fresh.length }, $set: { hll, hw: maxOffset } },
          },
        };
      },
    );
  }
}
