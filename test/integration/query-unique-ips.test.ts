import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { formatIsoMs } from '../../src/events/index.ts';
import { uniqueIps } from '../../src/query/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { eventsIn, QUERY_RANGES, type StoredQueryData, storeQueryData } from '../support/query-data.ts';

// uniqueIps against a count of the stored events themselves, over ranges of every shape.

describe('unique IPs', () => {
  const config = testConfig('unique-ips');
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

  it('counts exactly, to the millisecond, over all time and any range', async () => {
    for (const range of QUERY_RANGES) {
      const held = eventsIn(data.events, range);
      assert.deepEqual(
        await uniqueIps(db, { ...range, mode: 'exact' }),
        {
          from: iso(range.from),
          to: iso(range.to),
          uniqueIps: new Set(held.map((e) => e.ip)).size,
          events: held.length,
          mode: 'exact',
        },
        JSON.stringify(range),
      );
    }
  });

  it('estimates within three standard errors, with the events exact', async () => {
    for (const range of QUERY_RANGES.filter((r) => r.from !== null || r.to !== null)) {
      const held = eventsIn(data.events, range);
      const exact = new Set(held.map((e) => e.ip)).size;
      const answer = await uniqueIps(db, { ...range, mode: 'approx' });
      assert.equal(answer.mode, 'approx');
      assert.equal(answer.events, held.length, JSON.stringify(range));
      const relativeError = answer.relativeError ?? NaN;
      assert.ok(relativeError >= 0 && relativeError < 0.02, String(relativeError));
      assert.ok(
        Math.abs(answer.uniqueIps - exact) <= Math.max(1, 3 * relativeError * exact),
        `${JSON.stringify(range)}: approx ${answer.uniqueIps}, exact ${exact}`,
      );
    }
  });

  it('answers all time exactly from the totals, even when asked for an estimate', async () => {
    const answer = await uniqueIps(db, { from: null, to: null, mode: 'approx' });
    assert.deepEqual(answer, {
      from: null,
      to: null,
      uniqueIps: new Set(data.events.map((e) => e.ip)).size,
      events: data.events.length,
      mode: 'exact',
    });
  });

  it('answers zero for a range with nothing stored, in both modes', async () => {
    const empty = QUERY_RANGES.at(-2)!;
    assert.equal(eventsIn(data.events, empty).length, 0);
    // Closed: its buckets are read (none is stored), so the answer is the empty sketch's.
    const closed = await uniqueIps(db, { ...empty, mode: 'approx' });
    assert.deepEqual(
      { ...closed, relativeError: undefined },
      {
        from: iso(empty.from),
        to: iso(empty.to),
        uniqueIps: 0,
        events: 0,
        mode: 'approx',
        relativeError: undefined,
      },
    );
    assert.ok(closed.relativeError! > 0);
    // Open past the last event: nothing can be in it, so nothing is read.
    const nothingAfter = QUERY_RANGES.at(-1)!;
    assert.deepEqual(await uniqueIps(db, { ...nothingAfter, mode: 'approx' }), {
      from: iso(nothingAfter.from),
      to: null,
      uniqueIps: 0,
      events: 0,
      mode: 'approx',
      relativeError: 0,
    });
  });

  it('answers zero over an empty store', async () => {
    const emptyDb = client.db(`${config.mongo.db}_empty`);
    try {
      for (const range of QUERY_RANGES) {
        const answer = await uniqueIps(emptyDb, { ...range, mode: 'exact' });
        assert.equal(answer.uniqueIps, 0);
        assert.equal(answer.events, 0);
      }
    } finally {
      await emptyDb.dropDatabase();
    }
  });
});
