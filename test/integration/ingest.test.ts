import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canonicalizeIp, createEventGenerator } from '../../src/events/index.ts';
import { EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import {
  COLLECTIONS,
  countStoredEvents,
  type StoredEvent,
  storedEvents as eachStoredEvent,
} from '../../src/store/index.ts';
import { envFor, killChildren, runCli, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// The ingest pipeline end to end, through real Kafka and FerretDB, run as users run it: the
// `ipstream` command in child processes, killed and restarted the way operators and crashes do.

const config = testConfig('ingest');
const env = envFor(config);
const admin = new TopicAdmin(config.kafka);

/** Records that must become dead letters, with the reason each must carry. */
const MALFORMED: { value: string | Buffer; reason: string | RegExp }[] = [
  { value: 'not json at all', reason: 'NOT_JSON' },
  { value: '[1,2,3]', reason: 'NOT_OBJECT' },
  { value: '{"device_ip":"10.0.0.1","error_code":1}', reason: 'MISSING_FIELD' },
  { value: '{"timestamp":1726668850124,"device_ip":"010.0.0.1","error_code":1}', reason: 'INVALID_IP' },
  { value: '{"timestamp":1726668850124,"device_ip":"10.0.0.256","error_code":1}', reason: 'INVALID_IP' },
  {
    value: '{"timestamp":1726668850124,"device_ip":"10.0.0.1","error_code":"500"}',
    reason: 'INVALID_ERROR_CODE',
  },
  {
    value: '{"timestamp":1726668850124,"device_ip":"10.0.0.1","error_code":1.5}',
    reason: 'INVALID_ERROR_CODE',
  },
  { value: '{"timestamp":"2023-02-29T00:00:00Z","device_ip":"10.0.0.1","error_code":1}', reason: /^TS_/ },
  { value: '{"timestamp":"Oct 11 22:14:15","device_ip":"10.0.0.1","error_code":1}', reason: /^TS_/ },
  { value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), reason: 'INVALID_UTF8' },
  { value: '', reason: 'EMPTY' },
  { value: `{"pad":"${'x'.repeat(70_000)}"}`, reason: 'OVERSIZED' },
];

/** One device spelled three ways: it must be stored, and counted, as one canonical address. */
const IPV6_SPELLINGS = ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '2001:0db8:0000::0001'];

const SYNTHETIC = 3000;
const DEVICES = 150;

const expected = { events: 0, devices: new Map<string, number>() };

async function produceSynthetic(count: number, seed: number): Promise<void> {
  const generator = createEventGenerator({ seed, devices: DEVICES });
  const producer = new EventProducer(config.kafka, 'test-producer');
  const records = [];
  for (let i = 0; i < count; i++) {
    const { key, value, event } = generator.next();
    const ip = canonicalizeIp(event.device_ip)!;
    expected.devices.set(ip, (expected.devices.get(ip) ?? 0) + 1);
    records.push({ key, value });
  }
  expected.events += count;
  await producer.send(records);
  await producer.close();
}

async function storedEvents(): Promise<number> {
  return withDb(config, countStoredEvents);
}

before(async () => {
  await admin.create(config.kafka.topic, 4);
  await produceSynthetic(SYNTHETIC, 7);
  const producer = new EventProducer(config.kafka, 'test-producer');
  await producer.send(MALFORMED.map((m) => ({ value: m.value })));
  await producer.close();
  // The file path of `produce`: one record per line, sent as is.
  const file = join(tmpdir(), `${config.kafka.topic}.jsonl`);
  writeFileSync(
    file,
    IPV6_SPELLINGS.map((ip, i) =>
      JSON.stringify({ timestamp: `2024-09-18T14:14:1${i}Z`, device_ip: ip, error_code: 500, site: 'lab' }),
    ).join('\n') + '\n',
  );
  const produced = await runCli(['produce', '--file', file], env);
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stdout, /sent 3 records/);
  expected.events += IPV6_SPELLINGS.length;
  expected.devices.set('2001:db8::1', (expected.devices.get('2001:db8::1') ?? 0) + IPV6_SPELLINGS.length);
});

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

describe('ingest', () => {
  test('stores every valid event once and dead-letters every malformed one with its reason', async () => {
    const run = await runCli(['ingest', '--workers', '2', '--until-idle', '2'], env);
    assert.equal(run.code, 0, run.stderr);
    await withDb(config, async (db) => {
      assert.equal(await countStoredEvents(db), expected.events);
      const dead = await db.collection(COLLECTIONS.deadLetters).find().sort({ offset: 1 }).toArray();
      assert.equal(dead.length, MALFORMED.length);
      const reasons = dead.map((d) => d.reason as string).sort();
      for (const m of MALFORMED) {
        const i = reasons.findIndex((r) =>
          typeof m.reason === 'string' ? r === m.reason : m.reason.test(r),
        );
        assert.ok(i >= 0, `a dead letter with reason ${m.reason}`);
        reasons.splice(i, 1);
      }
      for (const d of dead) {
        assert.equal(d.topic, config.kafka.topic);
        assert.ok(Number.isInteger(d.partition) && Number.isInteger(d.offset), 'Kafka coordinates kept');
        assert.ok(typeof d.message === 'string' && d.message.length > 0, 'a human message');
      }
      const devices = await db.collection(COLLECTIONS.devices).find().toArray();
      assert.deepEqual(
        devices.map((d) => d._id as unknown as string).sort(),
        [...expected.devices.keys()].sort(),
        'one device per canonical IP',
      );
      const v6: StoredEvent[] = [];
      for await (const e of eachStoredEvent(db))
        if (e.ip === '2001:db8::1' && e.extra?.site === 'lab') v6.push(e);
      assert.equal(v6.length, 3, 'extra fields are kept, IPv6 stored canonical');
      await assertRollupsMatchEvents(db);
    });
  });

  test('re-reading the topic with a new group stores nothing new and leaves rollups unchanged', async () => {
    const snapshot = () =>
      withDb(config, async (db) => ({
        devices: await db.collection(COLLECTIONS.devices).find().sort({ _id: 1 }).toArray(),
        rollups: await db.collection(COLLECTIONS.rollups).find().sort({ _id: 1 }).toArray(),
        deviceStats: await db.collection(COLLECTIONS.deviceStats).find().sort({ _id: 1 }).toArray(),
        events: await countStoredEvents(db),
      }));
    const before = await snapshot();
    const run = await runCli(['ingest', '--workers', '2', '--until-idle', '2'], {
      ...env,
      KAFKA_GROUP: `${config.kafka.group}-replay`,
    });
    assert.equal(run.code, 0, run.stderr);
    // Every record is read at least once; while the second worker joins, records of partitions
    // moving to it can be read by both. Every read is a duplicate: nothing new is stored.
    // Records of a partition that moved to the other worker while buffered are left to it.
    const summary =
      /consumed (\d+), stored 0, duplicates (\d+), dead letters 0, left to other members (\d+),/.exec(
        run.stdout,
      );
    assert.ok(summary !== null, run.stdout);
    const [consumed, duplicates, left] = summary.slice(1).map(Number) as [number, number, number];
    assert.ok(consumed >= expected.events + MALFORMED.length, run.stdout);
    assert.equal(
      duplicates + left,
      consumed,
      'every record read was already stored, or left to its new owner',
    );
    assert.deepEqual(await snapshot(), before);
  });

  test('SIGKILL mid-stream, then restart: exact totals', async () => {
    const ingest = startCli(['ingest', '--workers', '2'], env);
    const produced = runCli(
      ['produce', '--count', '20000', '--rate', '8000', '--devices', '300', '--seed', '11'],
      env,
    );
    const startCount = expected.events;
    await eventually(
      async () => (await storedEvents()) > startCount + 2000,
      60_000,
      'ingest to store part of the stream',
    );
    ingest.child.kill('SIGKILL');
    assert.equal((await ingest.exited).code, 'SIGKILL');
    assert.equal((await produced).code, 0);
    expected.events += 20_000;
    const restarted = await runCli(['ingest', '--workers', '2', '--until-idle', '2'], env);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(await storedEvents(), expected.events);
    await withDb(config, assertRollupsMatchEvents);
  });

  test('SIGTERM stores and commits what was read: nothing left to redeliver', async () => {
    const ingest = startCli(['ingest', '--workers', '2'], env);
    await runCli(['produce', '--count', '3000', '--devices', '100', '--seed', '12'], env);
    expected.events += 3000;
    await eventually(async () => (await storedEvents()) === expected.events, 60_000, 'all events stored');
    ingest.child.kill('SIGTERM');
    const exit = await ingest.exited;
    assert.equal(exit.code, 0, exit.stderr);
    const described = await admin.describe(config.kafka.topic, config.kafka.group);
    assert.equal(described.totalLag, 0, 'committed offsets reach the end of every partition');
  });
});
