import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import type { DeadLetter, DeviceEvent } from '../../src/events/index.ts';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import {
  COLLECTIONS,
  countStoredEvents,
  ensureSchema,
  EventStore,
  storedEvents,
} from '../../src/store/index.ts';
import { testConfig } from '../support/config.ts';
import { deadLetterAt, eventAt, eventsAt } from '../support/events.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// A record can be delivered twice (a crash before the commit, a rebalance) by ingest processes that
// decide differently about it: a larger MAX_RECORD_BYTES or a newer decoder accepts what an older
// one refused, or the other way round. Whatever each delivery decides, the record counts once, in
// the form the first one stored, in every document: never as an event in some and a dead letter in
// others.

const HOUR = Date.UTC(2024, 8, 18, 14);

async function eventIds(db: Db): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of storedEvents(db)) ids.push(e.id);
  return ids;
}
const MINUTE = 60_000;

/** The record at `offset` as a dead letter (what a smaller MAX_RECORD_BYTES made of it). */
function deadAt(partition: number, offset: number): DeadLetter {
  return deadLetterAt(partition, offset, {
    reason: 'OVERSIZED',
    message: 'the value has 300 bytes; the maximum is 256',
    value: '{"timestamp":"2024-09-18T14:30:00Z","device_ip":"10.1.1.200","error_code":7,"pad":"…"}',
    valueBytes: 300,
    bytes: 300,
  });
}

/** Offsets 0..9 in the hour's first minute, but offset 5 half an hour later in a minute of its own. */
const delivered = (): DeviceEvent[] =>
  eventsAt(0, 0, 10, (o) => ({
    ts: o === 5 ? HOUR + 30 * MINUTE : HOUR + o * 1000,
    ip: o === 5 ? '10.1.1.200' : `10.1.1.${o % 3}`,
    errorCode: 7,
  }));

for (const layout of ['documents', 'buckets'] as const)
  describe(`a record two deliveries decide differently about (${layout})`, () => {
    const client = new MongoClient(testConfig('decisions').mongo.uri);
    const databases: string[] = [];
    const stores: EventStore[] = [];
    const freshDb = async (label: string): Promise<Db> => {
      const name = testConfig(label).mongo.db;
      databases.push(name);
      const db = client.db(name);
      await ensureSchema(db);
      return db;
    };
    const storeOf = (db: Db) => {
      const store = new EventStore(db, { profile: FERRETDB_PROFILE, layout });
      stores.push(store);
      return store;
    };

    before(() => client.connect());
    after(async () => {
      for (const s of stores) s.close();
      for (const name of databases) await client.db(name).dropDatabase();
      await client.close();
    });

    it('first a dead letter, then an event: it stays a dead letter, counted once everywhere', async () => {
      const db = await freshDb('decisions-dead-first');
      const events = delivered();
      await storeOf(db).write({ events: events.filter((e) => e.offset !== 5), deadLetters: [deadAt(0, 5)] });
      // The same records again, this time with offset 5 accepted (a larger limit).
      await storeOf(db).write({ events, deadLetters: [] });
      assert.equal(await eventIds(db).then((ids) => ids.includes('t/0/5')), false);
      assert.equal(await db.collection(COLLECTIONS.deadLetters).countDocuments(), 1);
      await assertRollupsMatchEvents(db);
    });

    it('first an event, then a dead letter: it stays an event, counted once everywhere', async () => {
      const db = await freshDb('decisions-event-first');
      const events = delivered();
      await storeOf(db).write({ events, deadLetters: [] });
      await storeOf(db).write({ events: events.filter((e) => e.offset !== 5), deadLetters: [deadAt(0, 5)] });
      assert.equal(await countStoredEvents(db), 10);
      assert.equal(await db.collection(COLLECTIONS.deadLetters).countDocuments(), 0);
      await assertRollupsMatchEvents(db);
    });

    it('a dead letter a replay stores counts once as an event, and a delivery from Kafka afterwards changes nothing', async () => {
      const db = await freshDb('decisions-replayed');
      const events = delivered();
      const store = storeOf(db);
      await store.write({ events: events.filter((e) => e.offset !== 5), deadLetters: [deadAt(0, 5)] });
      // A delivery that decodes it as an event, then the replay, twice (cut short and run again).
      await store.write({ events, deadLetters: [] });
      const entry = { seq: 1, deadLetterId: 't/0/5', event: events[5]! };
      const first = await store.replay([entry]);
      assert.deepEqual(first.replayed, ['t/0/5']);
      await db.collection(COLLECTIONS.deadLetters).deleteOne({ _id: 't/0/5' as never });
      const again = await store.replay([entry]);
      assert.deepEqual(again.replayed, ['t/0/5'], 'the same entry again is the same replay');
      // Kafka delivers the records once more, one as a dead letter, the rest as events.
      await store.write({ events: events.filter((e) => e.offset !== 5), deadLetters: [deadAt(0, 5)] });
      await store.write({ events, deadLetters: [] });
      assert.equal(await countStoredEvents(db), 10);
      assert.equal(await db.collection(COLLECTIONS.deadLetters).countDocuments(), 0);
      await assertRollupsMatchEvents(db);
    });

    it('a redelivery that splits the batch differently and flips one record changes nothing', async () => {
      const db = await freshDb('decisions-rebatched');
      const events = delivered();
      await storeOf(db).write({ events: events.slice(0, 4), deadLetters: [] });
      await storeOf(db).write({
        events: events.slice(4).filter((e) => e.offset !== 5),
        deadLetters: [deadAt(0, 5)],
      });
      const later = [...events, eventAt(0, 10, { ts: HOUR + 40 * MINUTE, ip: '10.1.1.9', errorCode: 7 })];
      await storeOf(db).write({ events: later.slice(2), deadLetters: [] });
      assert.equal(await countStoredEvents(db), 10);
      await assertRollupsMatchEvents(db);
    });
  });
