import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import type { DeadLetter } from '../../src/events/index.ts';
import { FERRETDB_PROFILE } from '../../src/store/backend.ts';
import { ensureSchema, EventStore } from '../../src/store/index.ts';
import { getJson, withApp } from '../support/api-app.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// A dead letter keeps up to a few KiB of its record (value, message, key), so the latest thousand
// are megabytes: an answer lists as many as fit its budget of text, newest first, and says it left
// the rest out.

const config = testConfig('api-dead-letters');
const client = new MongoClient(config.mongo.uri);

before(async () => {
  await client.connect();
  const db = client.db(config.mongo.db);
  await ensureSchema(db);
  const store = new EventStore(db, { profile: FERRETDB_PROFILE });
  const dead = (offset: number): DeadLetter => ({
    id: `t/0/${offset}`,
    topic: 't',
    partition: 0,
    offset,
    reason: 'OVERSIZED',
    message: `m${offset} `.repeat(200).slice(0, 1000),
    key: 'k'.repeat(1024),
    value: `v${offset} `.repeat(1000).slice(0, 4096),
    valueBytes: 70_000,
    bytes: 70_000,
  });
  for (let from = 0; from < 1000; from += 250)
    await store.write({ events: [], deadLetters: Array.from({ length: 250 }, (_, i) => dead(from + i)) });
  store.close();
});

after(async () => {
  await client.close();
  await dropDatabase(config);
});

test('an answer holds the latest dead letters that fit its budget of text, and says it left some out', async () => {
  await withApp({ db: client.db(config.mongo.db) }, async (app) => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/dead-letters?limit=1000' });
    assert.equal(response.statusCode, 200);
    assert.ok(response.body.length < 3 * 1024 * 1024, `${response.body.length} bytes`);
    const body = response.json<{ total: number; items: { offset: number }[]; truncated: boolean }>();
    assert.equal(body.total, 1000);
    assert.equal(body.truncated, true);
    assert.ok(body.items.length > 100 && body.items.length < 1000, `${body.items.length} items`);
    assert.deepEqual(
      body.items.map((i) => i.offset),
      Array.from({ length: body.items.length }, (_, i) => 999 - i),
      'the latest first',
    );
    const few = await getJson(app, '/api/v1/dead-letters?limit=5');
    assert.equal(few.body.truncated, false);
    assert.equal((few.body.items as unknown[]).length, 5);
  });
});
