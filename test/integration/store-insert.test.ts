import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { INSERT_CHUNK, insertUnordered } from '../../src/store/docs.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// insertUnordered sends chunks (the driver's bookkeeping of one large failed insert grows with
// documents × errors); what it reports must still name each document by its place in the input.
const config = testConfig('store-insert');
let client: MongoClient;
let db: Db;

before(async () => {
  client = new MongoClient(config.mongo.uri);
  await client.connect();
  db = client.db(config.mongo.db);
});

after(async () => {
  await client.close();
  await dropDatabase(config);
});

test('duplicates across several chunks are reported by their index in the input, the rest stored', async () => {
  const collection = db.collection<{ _id: string; n: number }>('insert_chunks');
  const count = INSERT_CHUNK * 2 + 500;
  const docs = Array.from({ length: count }, (_, n) => ({ _id: `doc-${n}`, n }));
  // Every third document was stored before (a replay of part of a batch).
  const earlier = docs.filter((d) => d.n % 3 === 0);
  assert.deepEqual(await insertUnordered(collection, earlier), { duplicates: [], refused: [] });

  const outcome = await insertUnordered(collection, docs);
  assert.deepEqual(
    outcome.duplicates,
    earlier.map((d) => d.n),
  );
  assert.deepEqual(outcome.refused, []);
  assert.equal(await collection.countDocuments(), count);
  const again = await insertUnordered(collection, docs);
  assert.equal(again.duplicates.length, count);
});
