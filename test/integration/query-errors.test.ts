import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BSON, type Db, MongoClient } from 'mongodb';
import { formatIsoMs } from '../../src/events/index.ts';
import { errorCodes, timeseries } from '../../src/query/index.ts';
import {
  COLLECTIONS,
  detectStoreProfile,
  ensureSchema,
  type ErrorsDoc,
  EventStore,
} from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';
import { eventsIn, QUERY_RANGES, type StoredQueryData, storeQueryData } from '../support/query-data.ts';

// Error codes and the series of one code against a count of the stored events themselves, over
// ranges of every shape (sub-minute edges, across a day boundary, all time), with hundreds of codes.

describe('error codes', () => {
  const config = testConfig('query-errors');
  const client = new MongoClient(config.mongo.uri);
  let db: Db;
  let data: StoredQueryData;

  before(async () => {
    await client.connect();
    db = client.db(config.mongo.db);
    data = await storeQueryData(db);
  });
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  const iso = (ms: number | null): string | null => (ms === null ? null : formatIsoMs(ms));

  it('counts each code exactly, events and distinct devices, over all time and any range', async () => {
    const codes = new Set(data.events.map((e) => e.errorCode));
    assert.ok(codes.size > 100, `${codes.size} distinct codes`);
    for (const range of QUERY_RANGES) {
      const held = eventsIn(data.events, range);
      const byCode = new Map<number, { events: number; devices: Set<string> }>();
      for (const e of held) {
        const c = byCode.get(e.errorCode) ?? { events: 0, devices: new Set<string>() };
        c.events++;
        c.devices.add(e.ip);
        byCode.set(e.errorCode, c);
      }
      const want = [...byCode]
        .map(([errorCode, c]) => ({ errorCode, events: c.events, devices: c.devices.size }))
        .sort((a, b) => b.events - a.events || a.errorCode - b.errorCode);
      assert.deepEqual(
        await errorCodes(db, range, 1000),
        { from: iso(range.from), to: iso(range.to), items: want, events: held.length },
        JSON.stringify(range),
      );
      const top = await errorCodes(db, range, 3);
      assert.deepEqual(top.items, want.slice(0, 3), `${JSON.stringify(range)}: the first 3`);
    }
  });

  it('gives the series of one code, per minute and per hour, exactly', async () => {
    const busiest = (await errorCodes(db, { from: null, to: null }, 1)).items[0]!.errorCode;
    const rare = [...new Set(data.events.map((e) => e.errorCode))].find((c) => c > 2 ** 32)!;
    const first = data.events[0]!.ts;
    for (const [size, unit, span] of [
      ['minute', 60_000, 90 * 60_000],
      ['hour', 3_600_000, 5 * 3_600_000],
    ] as const) {
      const from = Math.floor(first / unit) * unit;
      for (const code of [busiest, rare, 999_999]) {
        const answer = await timeseries(db, { from, to: from + span }, size, Date.now(), code);
        for (const bucket of answer.buckets) {
          const start = Date.parse(bucket.start);
          const inside = data.events.filter(
            (e) => e.errorCode === code && e.ts >= start && e.ts < start + unit,
          );
          assert.deepEqual(
            { events: bucket.events, uniqueIps: bucket.uniqueIps },
            { events: inside.length, uniqueIps: new Set(inside.map((e) => e.ip)).size },
            `${size} ${bucket.start}, code ${code}`,
          );
        }
      }
    }
  });
});

describe('a fleet with tens of thousands of error codes', () => {
  const config = testConfig('query-many-codes');
  const client = new MongoClient(config.mongo.uri);
  let db: Db;
  const HOUR = Date.parse('2024-09-18T10:00:00Z');
  // 36,000 events in one hour, most with a code of their own: the hour's and the day's codes
  // (with their series) outgrow one document and move to pages; the answers stay exact.
  const events = eventsAt(0, 0, 36_000, (o) => ({
    ts: HOUR + o * 100,
    ip: `10.${o % 7}.${(o >> 8) & 255}.${o & 255}`,
    errorCode: o % 10 === 0 ? 500 : 100_000 + o,
  }));

  before(async () => {
    await client.connect();
    db = client.db(config.mongo.db);
    await ensureSchema(db);
    const store = new EventStore(db, { profile: await detectStoreProfile(db) });
    for (let i = 0; i < events.length; i += 6_000)
      await store.write({ events: events.slice(i, i + 6_000), deadLetters: [] });
    store.close();
  });
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  it('keeps every document bounded, and every answer exact', async () => {
    const hour = await db
      .collection<ErrorsDoc>(COLLECTIONS.rollups)
      .findOne({ _id: 'h:2024-09-18T10/errors' });
    assert.equal(hour?.pages, 64, "the hour's codes moved to pages");
    const largest = await db
      .collection(COLLECTIONS.rollups)
      .find({ _id: { $regex: '/errors' } as never })
      .toArray();
    for (const doc of largest) assert.ok(BSON.calculateObjectSize(doc) < 8 * 1024 * 1024, String(doc._id));
    const range = { from: HOUR + 1_234, to: HOUR + 3_000_500 };
    const held = events.filter((e) => e.ts >= range.from && e.ts < range.to);
    const answer = await errorCodes(db, range, 1000);
    assert.equal(answer.events, held.length);
    const fiveHundred = held.filter((e) => e.errorCode === 500);
    assert.deepEqual(answer.items[0], {
      errorCode: 500,
      events: fiveHundred.length,
      devices: new Set(fiveHundred.map((e) => e.ip)).size,
    });
    const first = held.find((e) => e.errorCode !== 500)!.errorCode;
    assert.deepEqual(answer.items[1], { errorCode: first, events: 1, devices: 1 });
    assert.equal(answer.items.length, 1000);
    const all = await errorCodes(db, { from: null, to: null }, 1000);
    assert.equal(all.events, events.length);
    const series = await timeseries(db, { from: HOUR, to: HOUR + 3_600_000 }, 'minute', Date.now(), 100_001);
    assert.deepEqual(
      series.buckets.filter((b) => b.events > 0),
      [{ start: formatIsoMs(HOUR), events: 1, uniqueIps: 1 }],
    );
    await assertRollupsMatchEvents(db);
  });
});
