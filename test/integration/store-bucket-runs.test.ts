import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, type Document, MongoClient } from 'mongodb';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { type BucketDoc, decideRun, eventBucketId, toBucketEvent } from '../../src/store/buckets.ts';
import { COLLECTIONS, countStoredEvents, ensureSchema, EventStore } from '../../src/store/index.ts';
import { testConfig } from '../support/config.ts';
import { eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// The buckets layout: a delivery SIGKILLed after inserting a bucket and before writing its record
// log leaves a run that the next delivery takes whole, even when its batch holds only the start of
// it. The batch after that must go on past the run: a bucket started inside it would hold offsets
// the run holds too (found by ingest-buckets.test.ts: 469 offsets in two buckets after a SIGKILL).

const HOUR = Date.UTC(2024, 8, 18, 14);
const events = eventsAt(0, 0, 40, (o) => ({ ts: HOUR + o * 1000, ip: `10.1.2.${o % 5}`, errorCode: 3 }));

describe('buckets: a run longer than the batch that takes it', () => {
  const client = new MongoClient(testConfig('bucket-runs').mongo.uri);
  const databases: string[] = [];
  const stores: EventStore[] = [];
  const withCrashedRun = async (label: string, through: number): Promise<{ db: Db; store: EventStore }> => {
    const name = testConfig(label).mongo.db;
    databases.push(name);
    const db = client.db(name);
    await ensureSchema(db);
    const store = new EventStore(db, { profile: FERRETDB_PROFILE, layout: 'buckets' });
    stores.push(store);
    // The first write records the layout; then the crashed delivery's bucket, with no record log.
    await store.write({ events: [], deadLetters: [] });
    if (through >= 0)
      await decideRun(db.collection(COLLECTIONS.events), -1, events.slice(0, through + 1), new Date());
    return { db, store };
  };

  before(() => client.connect());
  after(async () => {
    for (const s of stores) s.close();
    for (const name of databases) await client.db(name).dropDatabase();
    await client.close();
  });

  it('the next batch, inside the run, is decided by it: every offset in one bucket', async () => {
    const { db, store } = await withCrashedRun('bucket-runs-inside', 29);
    await store.write({ events: events.slice(0, 10), deadLetters: [] });
    const second = await store.write({ events: events.slice(10, 30), deadLetters: [] });
    assert.equal(second.inserted, 0, 'the run held every record of the second batch');
    assert.equal(await countStoredEvents(db), 30);
    assert.equal(await db.collection(COLLECTIONS.events).countDocuments(), 1);
    await assertRollupsMatchEvents(db);
  });

  it('a batch that starts inside the run past records nobody decided is refused, to be read again', async () => {
    const { db, store } = await withCrashedRun('bucket-runs-gap', 29);
    await store.write({ events: events.slice(0, 10), deadLetters: [] });
    await assert.rejects(store.write({ events: events.slice(15, 30), deadLetters: [] }), {
      code: 'RECORDS_MISSING',
    });
    assert.equal(await countStoredEvents(db), 30, 'the run alone holds the records');
    await store.write({ events: events.slice(10, 30), deadLetters: [] });
    await assertRollupsMatchEvents(db);
  });

  it('a named run whose bucket retention deleted: the next batch is stored again, not refused', async () => {
    const { db, store } = await withCrashedRun('bucket-runs-expired', 29);
    await store.write({ events: events.slice(0, 10), deadLetters: [] });
    await db.collection<BucketDoc>(COLLECTIONS.events).deleteOne({ _id: eventBucketId('t', 0, 0) });
    const second = await store.write({ events: events.slice(10, 20), deadLetters: [] });
    assert.equal(second.inserted, 10);
    assert.equal(await countStoredEvents(db), 10);
  });

  it('the next batch, past the run, stores only what follows it', async () => {
    const { db, store } = await withCrashedRun('bucket-runs-past', 29);
    await store.write({ events: events.slice(0, 10), deadLetters: [] });
    const second = await store.write({ events: events.slice(10), deadLetters: [] });
    assert.equal(second.inserted, 10);
    assert.equal(await countStoredEvents(db), 40);
    await assertRuns(db);
    await assertRollupsMatchEvents(db);
  });

  it('a run whose bucket holds its events as objects (the form before arrays per field) is taken alike', async () => {
    const { db, store } = await withCrashedRun('bucket-runs-objects', -1);
    const run = events.slice(0, 30);
    await db.collection<Document & { _id: string }>(COLLECTIONS.events).insertOne({
      _id: eventBucketId('t', 0, 0),
      topic: 't',
      partition: 0,
      from: 0,
      to: 29,
      events: run.map(toBucketEvent),
      ingestedAt: new Date(),
    });
    const first = await store.write({ events: events.slice(0, 10), deadLetters: [] });
    assert.equal(first.inserted, 0, 'the bucket held the batch');
    const second = await store.write({ events: events.slice(10), deadLetters: [] });
    assert.equal(second.inserted, 10);
    assert.equal(await countStoredEvents(db), 40);
    await assertRuns(db);
    await assertRollupsMatchEvents(db);
  });
});

/** The crashed run's bucket, [0, 29], and the one the batch past it started, [30, 39]. */
async function assertRuns(db: Db): Promise<void> {
  const runs = await db
    .collection<BucketDoc>(COLLECTIONS.events)
    .find({}, { projection: { from: 1, to: 1 } })
    .toArray();
  assert.deepEqual(
    runs.map((b): [number, number] => [b.from, b.to]).sort((a, b) => a[0] - b[0]),
    [
      [0, 29],
      [30, 39],
    ],
  );
}
