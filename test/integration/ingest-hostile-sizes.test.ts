import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BSON } from 'mongodb';
import { MAX_RECORD_BYTES_LIMIT } from '../../src/events/store-limits.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { COLLECTIONS, countStoredEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// Records built to outgrow a document once they are dead letters: a value just under the largest
// MAX_RECORD_BYTES whose device_ip is most of it (the key, as `produce --file` sends it, is that
// same address), so that a dead letter keeping the key and quoting the address runs past the
// store's 16 MiB. The store used to refuse that dead letter, fail the batch, and the worker read
// the same batch again forever. Each is a bounded dead letter now, and the partition moves on.

const config = testConfig('hostile-sizes');
const env = envFor(config, { MAX_RECORD_BYTES: String(MAX_RECORD_BYTES_LIMIT) });
const admin = new TopicAdmin(config.kafka);

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

const good = (i: number) => `{"timestamp":${1726668850124 + i},"device_ip":"10.8.0.${i}","error_code":500}`;

test('a record whose dead letter would pass 16 MiB is a bounded dead letter; the partition moves on', async () => {
  await admin.create(config.kafka.topic, 1);
  const ip = 'x'.repeat(MAX_RECORD_BYTES_LIMIT - 100);
  const hostile = `{"timestamp":1,"device_ip":"${ip}","error_code":1}`;
  assert.ok(Buffer.byteLength(hostile) <= MAX_RECORD_BYTES_LIMIT);
  const lines = [good(1), good(2), hostile, good(3), good(4)];
  const file = join(tmpdir(), `${config.kafka.topic}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const produced = await runCli(['produce', '--file', file], env);
  assert.equal(produced.code, 0, produced.stderr);

  const ingested = await runCli(['ingest', '--workers', '1', '--until-idle', '3'], env, 120_000);
  assert.equal(ingested.code, 0, `ingest stalled or failed: ${ingested.stderr.slice(-2000)}`);
  await withDb(config, async (db) => {
    assert.equal(await countStoredEvents(db), 4);
    const dead = await db.collection(COLLECTIONS.deadLetters).find().toArray();
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.reason, 'INVALID_IP');
    assert.ok(BSON.calculateObjectSize(dead[0]!) < 64 * 1024, 'a small dead letter');
    await assertRollupsMatchEvents(db);
  });
  const described = await admin.describe(config.kafka.topic, config.kafka.group);
  assert.equal(described.totalLag, 0, 'every record committed');
});
