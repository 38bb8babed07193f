import type { Binary, Db } from 'mongodb';

/** Collection names: the storage layout, in one place. */
export const COLLECTIONS = {
  events: 'events',
  devices: 'devices',
  minutes: 'stats_minute',
  hours: 'stats_hour',
  deadLetters: 'dead_letters',
  leases: 'leases',
} as const;

/** One accepted record. `_id` is `${topic}/${partition}/${offset}`. */
export interface EventDoc {
  _id: string;
  ts: Date;
  ip: string;
  errorCode: number;
  /** ts truncated to the minute, so per-minute questions group on a stored field. */
  minute: Date;
  topic: string;
  partition: number;
  offset: number;
  extra?: Record<string, unknown>;
  ingestedAt: Date;
}

/** One device (canonical IP); rolled up exactly once per event through the per-partition `hw` guard. */
export interface DeviceDoc {
  _id: string;
  firstSeen: Date;
  lastSeen: Date;
  events: number;
  errorCodes: Record<string, number>;
  /** Highest offset applied, per partition key: the idempotence guard of every update. */
  hw: Record<string, number>;
}

/** Events and a HyperLogLog of IPs for one time bucket and one topic-partition. */
export interface BucketDoc {
  _id: string;
  start: Date;
  pk: string;
  events: number;
  hll: Binary;
  hw: number;
}

export interface DeadLetterDoc {
  _id: string;
  reason: string;
  message: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  valueBytes: number;
  at: Date;
}

const INDEXES: { collection: string; name: string; keys: Record<string, 1 | -1> }[] = [
  { collection: COLLECTIONS.events, name: 'ts', keys: { ts: 1 } },
  { collection: COLLECTIONS.events, name: 'ip_ts', keys: { ip: 1, ts: 1 } },
  { collection: COLLECTIONS.devices, name: 'events_desc', keys: { events: -1 } },
  { collection: COLLECTIONS.minutes, name: 'start', keys: { start: 1 } },
  { collection: COLLECTIONS.hours, name: 'start', keys: { start: 1 } },
  { collection: COLLECTIONS.deadLetters, name: 'at_desc', keys: { at: -1 } },
];

/**
 * Creates the collections and indexes the writers and queries rely on; a no-op when they exist.
 *
 * Run once per process before any writer starts, one statement at a time, and only for what is
 * missing: FerretDB 1.24 (SQLite) can deadlock when collection or index creation runs while other
 * connections are writing, and even a createIndexes of an existing index takes its schema lock.
 */
export async function ensureSchema(db: Db): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of Object.values(COLLECTIONS)) {
    if (existing.has(name)) continue;
    try {
      await db.createCollection(name);
    } catch (error) {
      // Another process created it first (NamespaceExists).
      if ((error as { code?: number }).code !== 48) throw error;
    }
  }
  for (const index of INDEXES) {
    const present = await db.collection(index.collection).listIndexes().toArray();
    if (present.some((i) => i.name === index.name)) continue;
    await db.collection(index.collection).createIndex(index.keys, { name: index.name });
  }
}
