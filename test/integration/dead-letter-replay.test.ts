import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEventGenerator } from '../../src/events/index.ts';
import { replayDeadLetters } from '../../src/ingest/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import {
  COLLECTIONS,
  countStoredEvents,
  EventStore,
  storedEvents,
  TOTALS_ID,
} from '../../src/store/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// Records ingested as OVERSIZED under a small MAX_RECORD_BYTES are valid under the default: a
// replay with today's configuration stores them under their own ids, exactly once, even when it is
// cut short twice, and leaves the dead letters it cannot store: still invalid, kept cut short, or
// not yet committed by the ingest group.

const config = testConfig('replay');
const admin = new TopicAdmin(config.kafka);
const SMALL_LIMIT = '256';

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

function padded(i: number, chars: number): string {
  return JSON.stringify({
    timestamp: `2024-09-18T14:${String(i % 60).padStart(2, '0')}:00Z`,
    device_ip: `10.77.0.${i % 20}`,
    error_code: 500,
    payload: 'x'.repeat(chars),
  });
}

test('dead-letter replay stores the records valid today exactly once and keeps the rest', async () => {
  const generator = createEventGenerator({ seed: 8, devices: 100 });
  const plain = Array.from({ length: 400 }, () => generator.next().value);
  const big = Array.from({ length: 40 }, (_, i) => padded(i, 400));
  const cut = Array.from({ length: 3 }, (_, i) => padded(i, 6000));
  const notJson = Array.from({ length: 10 }, (_, i) => `not json ${i}`);
  const badIp = Array.from(
    { length: 5 },
    (_, i) => `{"timestamp":1726668850,"device_ip":"999.1.1.${i}","error_code":1}`,
  );
  const lines = [...plain, ...big, ...cut, ...notJson, ...badIp];
  await admin.create(config.kafka.topic, 2);
  const file = join(tmpdir(), `${config.kafka.topic}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const env = envFor(config);
  assert.equal((await runCli(['produce', '--file', file], env)).code, 0);
  const ingested = await runCli(['ingest', '--until-idle', '3'], { ...env, MAX_RECORD_BYTES: SMALL_LIMIT });
  assert.equal(ingested.code, 0, ingested.stderr);

  await withDb(config, async (db) => {
    const events = { countDocuments: () => countStoredEvents(db) };
    const deadLetters = db.collection<{ _id: string; reason: string }>(COLLECTIONS.deadLetters);
    assert.equal(await events.countDocuments(), 400);
    assert.equal(await deadLetters.countDocuments({ reason: 'OVERSIZED' }), 43);
    // One dead letter at the offset the group has not committed yet: ingest could still deliver
    // its record.
    const [committed] = await admin.committed(config.kafka.topic, config.kafka.group, 1);
    await new EventStore(db).write({
      events: [],
      deadLetters: [
        {
          id: `${config.kafka.topic}/0/${committed!}`,
          topic: config.kafka.topic,
          partition: 0,
          offset: committed!,
          reason: 'OVERSIZED',
          message: 'too big then',
          key: null,
          value: big[0]!,
          valueBytes: Buffer.byteLength(big[0]!),
          bytes: Buffer.byteLength(big[0]!),
        },
      ],
    });
    const oversizedIds = (await deadLetters.find({ reason: 'OVERSIZED' }).toArray()).map((d) => d._id);

    const dry = await runCli(['dead-letters', 'replay', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^59 dead letters matched$/m);
    assert.match(dry.stdout, /^would store 40 as events$/m);
    assert.match(dry.stdout, /^still invalid 15 \(NOT_JSON 10, INVALID_IP 5\)$/m);
    assert.match(dry.stdout, /cut short .* 3$/m);
    assert.match(dry.stdout, /not committed .* 1$/m);
    assert.equal(await events.countDocuments(), 400, 'a dry run changes nothing');
    assert.equal(await deadLetters.countDocuments(), 59);

    const onlyInvalid = await runCli(['dead-letters', 'replay', '--reason', 'NOT_JSON'], env);
    assert.equal(onlyInvalid.code, 0, onlyInvalid.stderr);
    assert.match(onlyInvalid.stdout, /^10 dead letters matched$/m);
    assert.match(onlyInvalid.stdout, /^stored 0 as events$/m);

    // Cut short after a batch was stored but before its dead letters went, then after the next
    // batch was written down: each run finishes the batch the last one left.
    const options = {
      dryRun: false,
      group: config.kafka.group,
      decodeLimits: { maxRecordBytes: config.ingest.maxRecordBytes, deadLetterValueChars: 4096 },
      batchSize: 16,
    };
    const crash = (at: 'written-down' | 'stored', nth: number) => {
      let seen = 0;
      return (stage: string) =>
        stage === at && ++seen === nth ? Promise.reject(new Error(`cut short at ${at}`)) : Promise.resolve();
    };
    await assert.rejects(
      replayDeadLetters(db, admin, { ...options, checkpoint: crash('stored', 1) }),
      /cut short/,
    );
    await assert.rejects(
      replayDeadLetters(db, admin, { ...options, checkpoint: crash('written-down', 2) }),
      /cut short/,
    );
    await replayDeadLetters(db, admin, options);
    // Nothing left to replay: a run after the last changes nothing.
    const again = await replayDeadLetters(db, admin, options);
    assert.equal(again.stored + again.alreadyStored, 0);

    assert.equal(await events.countDocuments(), 440);
    const storedIds = new Set<string>();
    for await (const e of storedEvents(db)) storedIds.add(e.id);
    const replayed = oversizedIds.filter((id) => storedIds.has(id));
    assert.equal(replayed.length, 40, 'stored under the ids of their records');
    const left = (await deadLetters.find().toArray()).map((d) => d.reason).sort();
    assert.deepEqual(left, [
      ...Array<string>(5).fill('INVALID_IP'),
      ...Array<string>(10).fill('NOT_JSON'),
      ...Array<string>(4).fill('OVERSIZED'),
    ]);
    const totals = await db
      .collection<{ _id: string; deadLetters: number }>(COLLECTIONS.rollups)
      .findOne({ _id: TOTALS_ID });
    assert.equal(totals?.deadLetters, 19);
    await assertRollupsMatchEvents(db);
  });
});
