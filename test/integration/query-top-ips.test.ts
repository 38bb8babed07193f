import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import type { DeviceEvent } from '../../src/events/index.ts';
import { DEFAULT_TOP_LIMIT, topIps } from '../../src/query/index.ts';
import type { TimeRange } from '../../src/query/range.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsIn, QUERY_RANGES, type StoredQueryData, storeQueryData } from '../support/query-data.ts';

// topIps against a count of the stored events themselves: most events first, equal counts in the
// order the devices were first stored. The hours keep 50 devices per list, so limits past that,
// and ranges over several hours, make the lists alone undecided and the exact counts get read.

describe('top IPs', () => {
  const config = testConfig('top-ips');
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

  function expected(events: readonly DeviceEvent[], limit: number): { ip: string; events: number }[] {
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.ip, (counts.get(e.ip) ?? 0) + 1);
    const id = (ip: string): number => data.deviceIds.get(ip)!;
    return [...counts]
      .sort(([a, x], [b, y]) => y - x || id(a) - id(b))
      .slice(0, limit)
      .map(([ip, n]) => ({ ip, events: n }));
  }

  it('ranks exactly over all time and any range, at any limit', async () => {
    for (const range of QUERY_RANGES) {
      const held = eventsIn(data.events, range);
      for (const limit of [1, DEFAULT_TOP_LIMIT, 60, 1000]) {
        assert.deepEqual(
          await topIps(db, range, limit),
          expected(held, limit),
          `${JSON.stringify(range)} limit ${limit}`,
        );
      }
    }
  });

  it('orders equal counts by the order the devices were first stored', async () => {
    const all = await topIps(db, { from: null, to: null }, 1000);
    const ties = all.filter((item, i) => i > 0 && all[i - 1]!.events === item.events);
    assert.ok(ties.length > 10, 'the data holds equal counts');
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1]!, all[i]!];
      if (a.events === b.events) assert.ok(data.deviceIds.get(a.ip)! < data.deviceIds.get(b.ip)!);
      else assert.ok(a.events > b.events);
    }
  });

  it('lists every device once at most, and nothing for a range with nothing stored', async () => {
    const all = await topIps(db, { from: null, to: null }, 1000);
    assert.equal(all.length, data.deviceIds.size);
    assert.equal(new Set(all.map((item) => item.ip)).size, all.length);
    assert.equal(
      all.reduce((n, item) => n + item.events, 0),
      data.events.length,
    );
    const empty: TimeRange = QUERY_RANGES.at(-2)!;
    assert.deepEqual(await topIps(db, empty, 10), []);
    assert.deepEqual(await topIps(db, QUERY_RANGES.at(-1)!, 10), []);
  });

  it('answers nothing over an empty store', async () => {
    const emptyDb = client.db(`${config.mongo.db}_empty`);
    try {
      for (const range of QUERY_RANGES) assert.deepEqual(await topIps(emptyDb, range, 10), []);
    } finally {
      await emptyDb.dropDatabase();
    }
  });
});
