import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { totals } from '../../src/query/index.ts';
import { COLLECTIONS, countStoredEvents, ensureSchema, EventStore } from '../../src/store/index.ts';
import { testConfig } from '../support/config.ts';
import { deadLetterAt, eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// The consumers of one ingest thread write their batches as one when they meet (write-combiner.ts):
// each consumer must still hear what became of its own records, and the store must hold what
// writing them one by one would have left.

const HOUR = Date.UTC(2024, 8, 18, 14);
const shape = (o: number) => ({ ts: HOUR + o * 1000, ip: `10.2.0.${o % 4}`, errorCode: 500 });

for (const layout of ['documents', 'buckets'] as const)
  describe(`EventStore.writeMany (${layout})`, () => {
    const client = new MongoClient(testConfig('write-many').mongo.uri);
    let db: Db;
    const stores: EventStore[] = [];

    before(async () => {
      await client.connect();
      db = client.db(testConfig(`write-many-${layout}`).mongo.db);
      await db.dropDatabase();
      await ensureSchema(db);
    });
    after(async () => {
      for (const s of stores) s.close();
      await db.dropDatabase();
      await client.close();
    });

    it('stores batches of several partitions as one write, and gives each batch its own counts', async () => {
      const store = new EventStore(db, { profile: FERRETDB_PROFILE, layout });
      stores.push(store);
      // Partition 0 was half stored by an earlier delivery; partition 2 holds a dead letter.
      await store.write({ events: eventsAt(0, 0, 5, shape), deadLetters: [] });
      await store.write({ events: [], deadLetters: [deadLetterAt(1, 0)] });
      const batches = [
        { events: eventsAt(0, 0, 10, shape), deadLetters: [] },
        { events: eventsAt(1, 1, 4, shape), deadLetters: [deadLetterAt(1, 0), deadLetterAt(1, 4)] },
        { events: eventsAt(2, 0, 7, shape), deadLetters: [deadLetterAt(2, 7)] },
      ];
      const results = await store.writeMany(batches);
      assert.deepEqual(
        results.map((r) => [r.inserted, r.duplicates, r.deadLetters, r.deadLetterDuplicates]),
        [
          [5, 5, 0, 0],
          [3, 0, 1, 1],
          [7, 0, 1, 0],
        ],
      );
      const steps = results.map((r) => Object.values(r.stepMs ?? {}).reduce((a, b) => a + b, 0));
      assert.ok(
        steps.every((ms) => ms > 0),
        `every batch carries a share of the time: ${steps.join(', ')}`,
      );

      assert.equal(await countStoredEvents(db), 10 + 3 + 7);
      assert.equal(await db.collection(COLLECTIONS.deadLetters).countDocuments(), 3);
      assert.deepEqual(await totals(db), { events: 20, devices: 4, deadLetters: 3 });
      await assertRollupsMatchEvents(db);

      const again = await store.writeMany(batches);
      assert.deepEqual(
        again.map((r) => [r.inserted, r.duplicates, r.deadLetters, r.deadLetterDuplicates]),
        [
          [0, 10, 0, 0],
          [0, 3, 0, 2],
          [0, 7, 0, 1],
        ],
        'all of it again: every record a duplicate of its own batch',
      );
      await assertRollupsMatchEvents(db);
    });
  });
