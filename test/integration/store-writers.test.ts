import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import type { DeviceEvent } from '../../src/events/index.ts';
import { FERRETDB_PROFILE, MONGODB_PROFILE, type StoreProfile } from '../../src/store/backend.ts';
import { COLLECTIONS, countStoredEvents, ensureSchema, EventStore } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// Two writers of the same records at once (a partition that changed owner mid-flush), through
// each store profile's way of keeping them apart. The end state must equal a recount from the
// events, whichever writer got there first.

const T0 = Date.parse('2024-09-18T14:00:00Z');

function events(partition: number, from: number, to: number): DeviceEvent[] {
  return eventsAt(partition, from, to, (offset) => ({
    ts: T0 + offset * 7_919 + partition,
    ip: `10.0.${partition}.${offset % 37}`,
    errorCode: (offset % 3) * 100,
  }));
}

/** A pause that holds a writer between planning and writing until released. */
function gate() {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const reachedOnce = new Promise<void>((r) => (reached = r));
  let armed = true;
  return {
    pause: async (): Promise<void> => {
      if (!armed) return;
      armed = false;
      reached();
      await released;
    },
    reached: reachedOnce,
    release,
  };
}

describe('concurrent rollup writers', () => {
  const config = testConfig('writers');
  const client = new MongoClient(config.mongo.uri);
  let db: Db;
  let n = 0;

  before(async () => {
    await client.connect();
  });
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  async function freshDb(): Promise<Db> {
    db = client.db(`${config.mongo.db}_${n++}`);
    await ensureSchema(db);
    return db;
  }

  it('FerretDB profile: a lease holder stalled past its expiry is fenced, and the next writer stands', async () => {
    const db = await freshDb();
    try {
      const stall = gate();
      // The holder stalls as a frozen process would: no renewal, past its 1.5 s expiry.
      const holder = new EventStore(db, {
        profile: FERRETDB_PROFILE,
        leaseMs: 1500,
        leaseRenewMs: Infinity,
        pause: stall.pause,
      });
      const next = new EventStore(db, { profile: FERRETDB_PROFILE, leaseMs: 1500 });
      // Documents exist already, so what the holder planned are replacements (by _id alone).
      await next.write({ events: events(0, 0, 20), deadLetters: [] });
      const stalled = holder.write({ events: events(0, 20, 100), deadLetters: [] });
      await stall.reached;
      // The partition's new owner reads from the last commit: the same records and more.
      const started = Date.now();
      await next.write({ events: [...events(0, 20, 150), ...events(1, 0, 40)], deadLetters: [] });
      assert.ok(Date.now() - started >= 1000, 'the next writer waited for the lease to expire');
      stall.release();
      await assert.rejects(stalled, { code: 'LEASE_LOST', retriable: true });
      // The ingestor retries a retriable failure: the stale batch then changes nothing.
      await holder.write({ events: events(0, 20, 100), deadLetters: [] });
      assert.equal(await countStoredEvents(db), 190);
      await assertRollupsMatchEvents(db);
    } finally {
      await db.dropDatabase();
    }
  });

  it('FerretDB profile: a stale dead-letter replay is fenced however many holders came after it, and overwrites nothing', async () => {
    const db = await freshDb();
    try {
      const all = events(0, 0, 60);
      const dead = all.filter((e) => e.offset % 6 === 0);
      const asDeadLetter = (e: DeviceEvent) => ({
        id: e.id,
        topic: e.topic,
        partition: e.partition,
        offset: e.offset,
        reason: 'OVERSIZED',
        message: 'too large then',
        key: null,
        value: '{}',
        valueBytes: 10,
        bytes: 10,
      });
      const next = new EventStore(db, { profile: FERRETDB_PROFILE, leaseMs: 1500 });
      await next.write({
        events: all.filter((e) => e.offset % 6 !== 0),
        deadLetters: dead.map(asDeadLetter),
      });
      const stall = gate();
      // Its own clock says it holds the lease for half a minute more; the server's says it expired
      // (a clock that jumped, a renewal that never landed).
      const stale = new EventStore(db, {
        profile: FERRETDB_PROFILE,
        leaseMs: 30_000,
        leaseRenewMs: Infinity,
        pause: stall.pause,
      });
      const entries = dead.map((e, i) => ({ seq: i + 1, deadLetterId: e.id, event: e }));
      const stalled = stale.replay(entries.slice(0, 5));
      await stall.reached;
      await db
        .collection<{ _id: string; expiresAt: Date }>(COLLECTIONS.meta)
        .updateMany({ _id: { $regex: '^lease:rollups#' } }, { $set: { expiresAt: new Date(0) } });
      // The replay's next holder finishes the batch with the same numbers and goes on; ingest
      // writes more. Several rollup lease epochs come and go (older ones are collected).
      await next.replay(entries.slice(0, 5));
      await next.replay(entries.slice(5));
      for (let i = 0; i < 4; i++)
        await next.write({ events: events(1, i * 10, i * 10 + 10), deadLetters: [] });
      stall.release();
      await assert.rejects(stalled, { code: 'LEASE_LOST' });
      await db.collection(COLLECTIONS.deadLetters).deleteMany({});
      await assertRollupsMatchEvents(db);
      stale.close();
      next.close();
    } finally {
      await db.dropDatabase();
    }
  });

  it('MongoDB profile: a replacement of a version another writer changed is planned again', async () => {
    const db = await freshDb();
    try {
      // MongoDB's own profile, with commands capped at what FerretDB serves (it holds a pooled
      // connection per update statement: a command of more than ~100 never finishes); reads by
      // $in and version-conditioned replacements work on FerretDB, by scanning, at this size.
      const profile: StoreProfile = { ...MONGODB_PROFILE, statementsPerCommand: 64 };
      const stall = gate();
      const slow = new EventStore(db, { profile, pause: stall.pause });
      const fast = new EventStore(db, { profile });
      await fast.write({ events: events(0, 0, 20), deadLetters: [] });
      const first = slow.write({ events: events(0, 20, 120), deadLetters: [] });
      await stall.reached;
      await fast.write({ events: [...events(0, 20, 60), ...events(1, 0, 80)], deadLetters: [] });
      stall.release();
      await first;
      await fast.write({ events: events(0, 100, 180), deadLetters: [] });
      assert.equal(await countStoredEvents(db), 260);
      await assertRollupsMatchEvents(db);
    } finally {
      await db.dropDatabase();
    }
  });

  it('MongoDB profile: bulk writes and $in reads, without a lease', async () => {
    const db = await freshDb();
    const watched = new MongoClient(config.mongo.uri, { monitorCommands: true });
    try {
      const profile: StoreProfile = { ...MONGODB_PROFILE, statementsPerCommand: 64 };
      const statements: number[] = [];
      let inReads = 0;
      watched.on('commandStarted', (e) => {
        const c = e.command as {
          update?: string;
          insert?: string;
          updates?: unknown[];
          documents?: unknown[];
          filter?: { _id?: unknown };
        };
        const target = c.update ?? c.insert;
        if (target === COLLECTIONS.rollups || target === COLLECTIONS.deviceStats) {
          statements.push((c.updates ?? c.documents ?? []).length);
        }
        if (e.commandName === 'find' && typeof c.filter?._id === 'object') inReads++;
      });
      await new EventStore(watched.db(db.databaseName), { profile }).write({
        events: events(0, 0, 300),
        deadLetters: [],
      });
      assert.equal(await db.collection(COLLECTIONS.meta).countDocuments({ _id: /^lease:/ }), 0, 'no lease');
      assert.ok(
        Math.max(...statements) > FERRETDB_PROFILE.statementsPerCommand,
        `bulks: ${statements.join(',')}`,
      );
      assert.ok(Math.max(...statements) <= 64, `bulks: ${statements.join(',')}`);
      assert.ok(inReads >= 2, 'rollup documents and device details read by $in');
      await assertRollupsMatchEvents(db);
    } finally {
      await watched.close();
      await db.dropDatabase();
    }
  });
});
