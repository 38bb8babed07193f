import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { benchEvents, loadBenchData } from '../../bench/api-data.ts';
import { recordId } from '../../src/events/index.ts';
import { timeseries, topIps, uniqueIps } from '../../src/query/index.ts';
import {
  type EventsLayout,
  detectStoreProfile,
  ensureSchema,
  EventStore,
  type StoredEvent,
  storedEvents,
} from '../../src/store/index.ts';
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

/** Every stored event one by one, in either layout (buckets cut where each writer's batches cut). */
async function events(db: Db): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const e of storedEvents(db)) all.push(e);
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

for (const layout of ['documents', 'buckets'] satisfies EventsLayout[])
  test(`the bulk-loaded data set answers exactly as what EventStore.write stores for the same events (${layout})`, async () => {
    await dropDatabase(bulk);
    await dropDatabase(viaStore);
    const bulkDb = client.db(bulk.mongo.db);
    await loadBenchData(bulkDb, { ...sizes, withEvents: true, eventsLayout: layout });

    const storeDb = client.db(viaStore.mongo.db);
    await ensureSchema(storeDb);
    const store = new EventStore(storeDb, { profile: await detectStoreProfile(storeDb), layout });
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
      assert.deepEqual(
        await uniqueIps(bulkDb, { ...range, mode: 'exact' }),
        await uniqueIps(storeDb, { ...range, mode: 'exact' }),
        `unique exact ${JSON.stringify(range)}`,
      );
      const approx = [
        await uniqueIps(bulkDb, { ...range, mode: 'approx' }),
        await uniqueIps(storeDb, { ...range, mode: 'approx' }),
      ] as const;
      // Sketches hash device ids, which the buckets layout gives a batch's new devices partition by
      // partition: its estimates then depend on where the batches were cut, within the sketch's error.
      if (layout === 'documents')
        assert.deepEqual(approx[0], approx[1], `unique approx ${JSON.stringify(range)}`);
      else
        assert.ok(
          Math.abs(approx[0].uniqueIps - approx[1].uniqueIps) <=
            3 * (approx[0].relativeError ?? 0) * Math.max(approx[0].uniqueIps, 1) + 1,
          `unique approx ${JSON.stringify(range)}: ${JSON.stringify(approx)}`,
        );
      const tops = [await topIps(bulkDb, range, 10), await topIps(storeDb, range, 10)] as const;
      // Ties are ordered by device id (see the sketches above): the counts, and who has more than the
      // last place, must agree.
      const ahead = (top: (typeof tops)[0]) =>
        top
          .filter((t) => t.events > top.at(-1)!.events)
          .map((t) => `${t.ip} ${t.events}`)
          .sort();
      if (layout === 'documents') assert.deepEqual(tops[0], tops[1], `top ${JSON.stringify(range)}`);
      else {
        assert.deepEqual(
          tops[0].map((t) => t.events),
          tops[1].map((t) => t.events),
          `top ${JSON.stringify(range)}`,
        );
        assert.deepEqual(ahead(tops[0]), ahead(tops[1]), `top ${JSON.stringify(range)}`);
      }
    }
    const day = { from: end - 86_400_000, to: end };
    assert.deepEqual(await timeseries(bulkDb, day, 'minute'), await timeseries(storeDb, day, 'minute'));
    // A writer after the load takes device ids above the loaded ones, as after EventStore.write.
    const later = { ...sizes, events: 50, ips: 50, seed: 8, endMs: end + 3_600_000 };
    for (const db of [bulkDb, storeDb]) {
      const writer = new EventStore(db, { profile: await detectStoreProfile(db), layout });
      const fresh = [...benchEvents(later)].map((e) => ({
        ...e,
        topic: 'later',
        id: recordId('later', e.partition, e.offset),
        ip: `192.0.2.${e.offset % 50}`,
      }));
      await writer.write({ events: fresh, deadLetters: [] });
      writer.close();
    }
    assert.deepEqual(
      await uniqueIps(bulkDb, { from: null, to: null, mode: 'exact' }),
      await uniqueIps(storeDb, { from: null, to: null, mode: 'exact' }),
      'new devices after the load',
    );
    store.close();
  });
