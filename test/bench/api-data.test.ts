import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Db, type Document, MongoClient } from 'mongodb';
import { benchEvents, loadBenchData } from '../../bench/api-data.ts';
import { timeseries, topIps, uniqueIps } from '../../src/query/index.ts';
import { COLLECTIONS, detectStoreProfile, ensureSchema, EventStore } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// The API benchmark loads its data set in bulk (the rollup planner applied in memory to large
// batches) instead of through EventStore.write. Its numbers mean something only if that leaves
// what ingest would have stored: the same events, every rollup document equal to a recount from
// them, and the same answer to every question.

const bulk = testConfig('bench-bulk');
const viaStore = testConfig('bench-store');
const client = new MongoClient(bulk.mongo.uri);

after(async () => {
  await client.close();
  await dropDatabase(bulk);
  await dropDatabase(viaStore);
});

const sizes = { events: 3000, ips: 300, hours: 30, partitions: 3, seed: 7, endMs: Date.UTC(2024, 8, 20, 5) };

async function events(db: Db): Promise<Document[]> {
  return db
    .collection(COLLECTIONS.events)
    .find({}, { projection: { ingestedAt: 0 } })
    .sort({ _id: 1 })
    .toArray();
}

test('the bulk-loaded data set answers exactly as what EventStore.write stores for the same events', async () => {
  const bulkDb = client.db(bulk.mongo.db);
  await loadBenchData(bulkDb, { ...sizes, withEvents: true });

  const storeDb = client.db(viaStore.mongo.db);
  await ensureSchema(storeDb);
  const store = new EventStore(storeDb, { profile: await detectStoreProfile(storeDb) });
  const all = [...benchEvents(sizes)];
  // Batches of uneven size that cut across minutes and hours, as flushes do.
  for (let i = 0; i < all.length;) {
    const n = 150 + (i % 7) * 40;
    await store.write({ events: all.slice(i, i + n), deadLetters: [] });
    i += n;
  }

  assert.deepEqual(await events(bulkDb), await events(storeDb), 'the same events');
  await assertRollupsMatchEvents(bulkDb);
  await assertRollupsMatchEvents(storeDb);
  const end = sizes.endMs;
  const ranges = [
    { from: null, to: null },
    { from: end - 3_600_000 + 1234, to: end - 5678 },
    { from: end - 26 * 3_600_000 - 61_001, to: end - 59_999 },
  ];
  for (const range of ranges) {
    for (const mode of ['exact', 'approx'] as const) {
      assert.deepEqual(
        await uniqueIps(bulkDb, { ...range, mode }),
        await uniqueIps(storeDb, { ...range, mode }),
        `unique ${mode} ${JSON.stringify(range)}`,
      );
    }
    assert.deepEqual(
      await topIps(bulkDb, range, 10),
      await topIps(storeDb, range, 10),
      `top ${JSON.stringify(range)}`,
    );
  }
  const day = { from: end - 86_400_000, to: end };
  assert.deepEqual(await timeseries(bulkDb, day, 'minute'), await timeseries(storeDb, day, 'minute'));
});
