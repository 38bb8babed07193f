import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { formatIsoMs } from '../../src/events/index.ts';
import { errorCodes, timeseries } from '../../src/query/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
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
