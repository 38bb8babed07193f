import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MongoClient } from 'mongodb';
import { runPointOpsBench } from '../../bench/point-ops.ts';
import { testConfig } from '../support/config.ts';

// The point-ops benchmark at toy sizes against the real store: one row per size, every timing
// measured, ratios taken against the first size, and its scratch database gone afterwards.
const config = testConfig('point-ops-bench');

test('bench point-ops times find, update, replace and $in per size and cleans up after itself', async () => {
  const report = await runPointOpsBench({ mongo: config.mongo, sizes: [200, 2000], ops: 20 });
  assert.deepEqual(
    report.rows.map((r) => r.documents),
    [200, 2000],
  );
  for (const row of report.rows) {
    for (const key of ['find p50 ms', 'update p50 ms', 'replace p50 ms', '$in 100 ids p50 ms'])
      assert.ok(
        typeof row[key] === 'number' && row[key] > 0,
        `${key} at ${String(row.documents)}: ${row[key]}`,
      );
  }
  assert.equal(report.rows[0]!['find vs smallest'], 1);
  assert.equal(report.rows[0]!['update vs smallest'], 1);

  const client = new MongoClient(config.mongo.uri);
  try {
    const dbs = await client.db().admin().listDatabases({ nameOnly: true });
    assert.ok(
      dbs.databases.every((d) => !d.name.startsWith(config.mongo.db)),
      'the scratch database is dropped',
    );
  } finally {
    await client.close();
  }
});
