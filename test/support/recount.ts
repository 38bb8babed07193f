import assert from 'node:assert/strict';
import { type Db, MongoClient } from 'mongodb';
import type { Config } from '../../src/config/config.ts';
import { COLLECTIONS } from '../../src/store/schema.ts';

export async function withDb<T>(config: Config, body: (db: Db) => Promise<T>): Promise<T> {
  const client = new MongoClient(config.mongo.uri);
  try {
    return await body(client.db(config.mongo.db));
  } finally {
    await client.close();
  }
}

/**
 * The rollups must equal a recount from the events themselves: per device (events, error codes,
 * first and last seen) and in both bucket sizes. Any event applied twice or never shows up here.
 */
export async function assertRollupsMatchEvents(db: Db): Promise<void> {
  const events = await db
    .collection(COLLECTIONS.events)
    .find({}, { projection: { ip: 1, ts: 1, errorCode: 1 } })
    .toArray();
  const expected = new Map<
    string,
    { events: number; first: number; last: number; codes: Record<string, number> }
  >();
  for (const e of events) {
    const ts = (e.ts as Date).getTime();
    const d = expected.get(e.ip) ?? { events: 0, first: Infinity, last: -Infinity, codes: {} };
    d.events++;
    d.first = Math.min(d.first, ts);
    d.last = Math.max(d.last, ts);
    d.codes[e.errorCode] = (d.codes[e.errorCode] ?? 0) + 1;
    expected.set(e.ip, d);
  }
  const devices = await db.collection(COLLECTIONS.devices).find().toArray();
  assert.equal(devices.length, expected.size, 'one device document per distinct IP among events');
  for (const doc of devices) {
    const want = expected.get(doc._id as unknown as string);
    assert.ok(want, `device ${doc._id} has events`);
    assert.equal(doc.events, want.events, `events of ${doc._id}`);
    assert.deepEqual(doc.errorCodes, want.codes, `error codes of ${doc._id}`);
    assert.equal((doc.firstSeen as Date).getTime(), want.first, `firstSeen of ${doc._id}`);
    assert.equal((doc.lastSeen as Date).getTime(), want.last, `lastSeen of ${doc._id}`);
  }
  for (const name of [COLLECTIONS.minutes, COLLECTIONS.hours]) {
    const buckets = await db
      .collection(name)
      .find({}, { projection: { events: 1 } })
      .toArray();
    assert.equal(
      buckets.reduce((n, b) => n + (b.events as number), 0),
      events.length,
      `${name} events add up to the stored events`,
    );
  }
}
