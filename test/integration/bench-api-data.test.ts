import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Db, type Document, MongoClient } from 'mongodb';
import { benchEvents, loadBenchData } from '../../bench/api-data.ts';
import { detectStoreProfile } from '../../src/store/backend.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { COLLECTIONS, ensureSchema } from '../../src/store/schema.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// The API benchmark inserts its data set whole instead of through EventStore.write (which would
// take hours on FerretDB for a million events). Its numbers mean something only if the documents
// are the ones ingest would have stored: same events, devices and buckets, sketches byte for byte.

const bulk = testConfig('bench-bulk');
const viaStore = testConfig('bench-store');
const client = new MongoClient(bulk.mongo.uri);

after(async () => {
  await client.close();
  await dropDatabase(bulk);
  await dropDatabase(viaStore);
});

const sizes = { events: 1500, ips: 200, hours: 2, partitions: 3, seed: 7, endMs: Date.UTC(2024, 8, 20) };

async function all(db: Db, name: string): Promise<Document[]> {
  const docs = await db
    .collection(name)
    .find({}, { projection: { ingestedAt: 0 } })
    .sort({ _id: 1 })
    .toArray();
  // Plain JSON values (sketches as base64), so that a difference prints readably.
  return docs.map((d) => JSON.parse(JSON.stringify(d)) as Document);
}

test('the bulk-loaded data set equals what EventStore.write stores for the same events', async () => {
  const bulkDb = client.db(bulk.mongo.db);
  await loadBenchData(bulkDb, { ...sizes, batchSize: 500 });

  const storeDb = client.db(viaStore.mongo.db);
  await ensureSchema(storeDb);
  const store = new EventStore(storeDb, await detectStoreProfile(storeDb));
  const events = [...benchEvents(sizes)];
  // Batches of uneven size that cut across minutes, as flushes do.
  for (let i = 0; i < events.length;) {
    const n = 150 + (i % 7) * 40;
    await store.write({ events: events.slice(i, i + n), deadLetters: [] });
    i += n;
  }

  for (const name of [COLLECTIONS.events, COLLECTIONS.devices, COLLECTIONS.minutes, COLLECTIONS.hours]) {
    const [a, b] = [await all(bulkDb, name), await all(storeDb, name)];
    assert.ok(a.length > 0, `${name} is empty`);
    assert.equal(a.length, b.length, `${name}: document count`);
    assert.deepEqual(a, b, name);
  }
});
