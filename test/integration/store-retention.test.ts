import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import type { DeviceEvent } from '../../src/events/index.ts';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { COLLECTIONS, ensureSchema, EventStore, expireEvents, storedEvents } from '../../src/store/index.ts';
import { DAY_MS, TOTALS_ID, bucketStart, storedLogId } from '../../src/store/levels.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsAt } from '../support/events.ts';

const NOW = Date.parse('2024-09-28T12:30:00Z');

function events(partition: number, from: number, to: number): DeviceEvent[] {
  return eventsAt(partition, from, to, (offset) => ({
    ts: Date.parse('2024-09-18T14:00:00Z') + offset * 1_000,
    ip: `10.0.${partition}.${offset % 50}`,
  }));
}

describe('event retention', () => {
  const config = testConfig('retention');
  const client = new MongoClient(config.mongo.uri);

  before(() => client.connect());
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  it('deletes the events stored before the retention, in bounded resumable steps, and keeps the counts', async () => {
    const db = client.db(config.mongo.db);
    await ensureSchema(db);
    const store = new EventStore(db, { profile: FERRETDB_PROFILE });
    // Stored ten days ago, across two hours and two partitions, then today.
    await store.write({ events: events(0, 0, 150), deadLetters: [] }, new Date(NOW - 10 * DAY_MS));
    await store.write(
      { events: [...events(0, 150, 300), ...events(1, 0, 80)], deadLetters: [] },
      new Date(NOW - 10 * DAY_MS + 3_600_000),
    );
    await store.write(
      { events: [...events(0, 300, 400), ...events(1, 80, 100)], deadLetters: [] },
      new Date(NOW),
    );
    const rollups = db.collection<{ _id: string }>(COLLECTIONS.rollups);
    const totalsBefore = await rollups.findOne({ _id: TOTALS_ID });
    const eventsCollection = db.collection<{ _id: string }>(COLLECTIONS.events);
    assert.equal(await eventsCollection.countDocuments(), 500);

    const options = { retentionMs: 7 * DAY_MS, maxDeletes: 100, now: NOW };
    const first = await expireEvents(db, FERRETDB_PROFILE, options);
    assert.deepEqual(first, { deleted: 100, hoursExpired: 0, caughtUp: false });
    assert.equal(await eventsCollection.countDocuments(), 400);
    let steps = 1;
    let last = first;
    while (!last.caughtUp) {
      last = await expireEvents(db, FERRETDB_PROFILE, options);
      assert.ok(last.deleted <= 100, `a step deleted ${last.deleted}`);
      assert.ok(++steps < 20, 'retention catches up');
    }
    const left = (await eventsCollection.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    assert.deepEqual(
      left.sort(),
      [...events(0, 300, 400), ...events(1, 80, 100)].map((e) => e.id).sort(),
      'exactly the events stored within the retention are left',
    );
    assert.deepEqual(await rollups.findOne({ _id: TOTALS_ID }), totalsBefore, 'totals keep expired events');
    const oldHour = bucketStart('hour', NOW - 10 * DAY_MS);
    assert.equal(await rollups.findOne({ _id: storedLogId(oldHour) }), null, "an expired hour's log is gone");
    assert.notEqual(await rollups.findOne({ _id: storedLogId(bucketStart('hour', NOW)) }), null);
    // Caught up: another step is a no-op.
    assert.deepEqual(await expireEvents(db, FERRETDB_PROFILE, options), {
      deleted: 0,
      hoursExpired: 0,
      caughtUp: true,
    });
  });

  it('keeps a replayed event for the full retention after its replay, not after its dead letter was stored', async () => {
    const name = testConfig('retention-replayed').mongo.db;
    const db = client.db(name);
    try {
      await ensureSchema(db);
      const store = new EventStore(db, { profile: FERRETDB_PROFILE });
      const all = events(0, 0, 20);
      const dead = all[10]!;
      // Ten days ago: offset 10 a dead letter (then too large), between stored events.
      await store.write(
        {
          events: all.filter((e) => e !== dead),
          deadLetters: [
            {
              id: dead.id,
              topic: dead.topic,
              partition: dead.partition,
              offset: dead.offset,
              reason: 'OVERSIZED',
              message: 'too large then',
              key: null,
              value: '{}',
              valueBytes: 10,
              bytes: 10,
            },
          ],
        },
        new Date(NOW - 10 * DAY_MS),
      );
      // Replayed yesterday.
      await store.replay([{ seq: 1, deadLetterId: dead.id, event: dead }], new Date(NOW - DAY_MS));
      store.close();
      const options = { retentionMs: 7 * DAY_MS, maxDeletes: 1000, now: NOW };
      while (!(await expireEvents(db, FERRETDB_PROFILE, options)).caughtUp);
      const left = await db.collection<{ _id: string }>(COLLECTIONS.events).find().toArray();
      assert.deepEqual(
        left.map((d) => d._id),
        [dead.id],
        'the events stored ten days ago are gone; the one replayed yesterday stays',
      );
    } finally {
      await db.dropDatabase();
    }
  });

  it('buckets layout: deletes the buckets stored before the retention, whole, and keeps the counts', async () => {
    const name = testConfig('retention-buckets').mongo.db;
    const db = client.db(name);
    try {
      await ensureSchema(db);
      const store = new EventStore(db, { profile: FERRETDB_PROFILE, layout: 'buckets' });
      await store.write({ events: events(0, 0, 1500), deadLetters: [] }, new Date(NOW - 10 * DAY_MS));
      await store.write(
        { events: [...events(0, 1500, 2500), ...events(1, 0, 80)], deadLetters: [] },
        new Date(NOW - 10 * DAY_MS + 3_600_000),
      );
      await store.write(
        { events: [...events(0, 2500, 2600), ...events(1, 80, 100)], deadLetters: [] },
        new Date(NOW),
      );
      store.close();
      const options = { retentionMs: 7 * DAY_MS, maxDeletes: 700, now: NOW };
      let steps = 0;
      while (!(await expireEvents(db, FERRETDB_PROFILE, options)).caughtUp) assert.ok(++steps < 20);
      const left: string[] = [];
      for await (const e of storedEvents(db)) left.push(e.id);
      assert.deepEqual(
        left.sort(),
        [...events(0, 2500, 2600), ...events(1, 80, 100)].map((e) => e.id).sort(),
        'exactly the events stored within the retention are left',
      );
    } finally {
      await db.dropDatabase();
    }
  });
});
