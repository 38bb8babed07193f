import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, type Db, MongoClient } from 'mongodb';
import { errorCodes, topIps, uniqueIps } from '../../src/query/index.ts';
import {
  COLLECTIONS,
  detectStoreProfile,
  ensureSchema,
  EventStore,
  type MinuteDoc,
} from '../../src/store/index.ts';
import { MINUTE_DETAIL_EVENTS } from '../../src/store/plan-minutes.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// A busy minute, as live traffic makes one: more events in one minute than a minute keeps in its
// own document. The rest go to a document per second; no document grows past a bound, and every
// answer over ranges that cut into the minute stays exact. BUSY_MINUTE_EVENTS sets the size
// (default a little past the bound; the benchmarks page reports a run at 10M).

const MINUTE = Date.parse('2024-09-18T14:14:00Z');
const EVENTS = Number(process.env.BUSY_MINUTE_EVENTS ?? MINUTE_DETAIL_EVENTS + 30_000);
const BATCH = 20_000;

describe('a busy minute', () => {
  const config = testConfig('busy-minute');
  const client = new MongoClient(config.mongo.uri);
  let db: Db;
  const events = eventsAt(0, 0, EVENTS, (o) => ({
    ts: MINUTE + Math.floor((o * 60_000) / EVENTS),
    ip: `10.${(o >> 16) & 255}.${(o >> 8) & 255}.${o % 97}`,
    errorCode: [200, 500, 404][o % 3]!,
  }));

  before(async () => {
    await client.connect();
    db = client.db(config.mongo.db);
    await ensureSchema(db);
    const store = new EventStore(db, { profile: await detectStoreProfile(db), layout: 'buckets' });
    for (let i = 0; i < events.length; i += BATCH)
      await store.write({ events: events.slice(i, i + BATCH), deadLetters: [] });
    store.close();
  });
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  it('keeps every document bounded, and its figures and every answer that cuts into it exact', async () => {
    const minute = await db.collection<MinuteDoc>(COLLECTIONS.rollups).findOne({ _id: 'm:2024-09-18T14:14' });
    assert.equal(minute?.seconds, true, 'the minute took further events into its seconds');
    assert.equal(minute.events, EVENTS);
    for await (const doc of db.collection(COLLECTIONS.rollups).find())
      assert.ok(BSON.calculateObjectSize(doc) < 4 * 1024 * 1024, `${String(doc._id)} stays small`);
    for (const [from, to] of [
      [MINUTE + 12_345, MINUTE + 47_891],
      [MINUTE - 60_000, MINUTE + 30_500],
      [MINUTE, MINUTE + 60_000],
      [MINUTE + 59_999, MINUTE + 120_000],
    ] as const) {
      const held = events.filter((e) => e.ts >= from && e.ts < to);
      const range = { from, to };
      const unique = await uniqueIps(db, { ...range, mode: 'exact' });
      assert.equal(unique.events, held.length);
      assert.equal(unique.uniqueIps, new Set(held.map((e) => e.ip)).size);
      const codes = await errorCodes(db, range, 10);
      for (const item of codes.items) {
        const mine = held.filter((e) => e.errorCode === item.errorCode);
        assert.deepEqual(item, {
          errorCode: item.errorCode,
          events: mine.length,
          devices: new Set(mine.map((e) => e.ip)).size,
        });
      }
      const top = await topIps(db, range, 3);
      const counts = new Map<string, number>();
      for (const e of held) counts.set(e.ip, (counts.get(e.ip) ?? 0) + 1);
      const best = [...counts.values()].sort((a, b) => b - a).slice(0, 3);
      assert.deepEqual(
        top.map((t) => t.events),
        best,
      );
    }
    await assertRollupsMatchEvents(db);
  });
});
