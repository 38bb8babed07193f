import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import { runProducer, syntheticRecords } from '../../src/producer/index.ts';
import { countStoredEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { withDb } from '../support/recount.ts';

// INGEST_MEMORY_MB bounds the whole ingest process, whatever the records: here a deep backlog over
// many partitions, with records whose keys are hundreds of kilobytes (a key costs memory as its
// value does, and the consumer stream holds records ahead of the buffer). The process reports its
// own peak resident memory (the kernel's high-water mark) when it stops. At 256 MB (the smallest
// budget) the consumers run on the main thread, its heap bounded by flags the process restarts
// itself with; at 512 MB on a worker thread, its heap bounded by the thread's resource limits.

const BUDGETS_MB = [256, 512];
const PARTITIONS = 24;
const SMALL = 25_000;
const HUGE = 100;
const HUGE_KEY_BYTES = 400 * 1024;

const config = testConfig('memory-bound');
const admin = new TopicAdmin(config.kafka);
/** Each budget drains the topic with a group and a database of its own. */
const configFor = (memoryMb: number): typeof config => ({
  ...config,
  kafka: { ...config.kafka, group: `${config.kafka.group}-${memoryMb}` },
  mongo: { ...config.mongo, db: `${config.mongo.db}_${memoryMb}` },
});

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  for (const memoryMb of BUDGETS_MB) await dropDatabase(configFor(memoryMb));
});

function* hugeKeyed(): Generator<{ key: Buffer; value: string }> {
  for (let i = 0; i < HUGE; i++) {
    const key = Buffer.alloc(HUGE_KEY_BYTES, 97 + (i % 26));
    yield {
      key,
      value: `{"timestamp":${1726668850124 + i},"device_ip":"10.9.${i >> 8}.${i & 255}","error_code":${i}}`,
    };
  }
}

test(`a deep backlog of huge keys over ${PARTITIONS} partitions`, async () => {
  await admin.create(config.kafka.topic, PARTITIONS);
  const producer = new EventProducer(config.kafka, 'memory-bound-producer');
  try {
    // The huge records first and in between: the consumers meet them with a full backlog behind.
    const a = await runProducer(producer, hugeKeyed(), { rate: 0, chunk: 1 });
    const b = await runProducer(producer, syntheticRecords({ count: SMALL, devices: 5_000, seed: 9 }), {
      rate: 0,
    });
    assert.equal(a.sent + b.sent, HUGE + SMALL);
  } finally {
    await producer.close();
  }
});

for (const memoryMb of BUDGETS_MB) {
  test(`ingest stays under INGEST_MEMORY_MB=${memoryMb} draining it`, async () => {
    const own = configFor(memoryMb);
    const run = await runCli(
      ['ingest', '--workers', '2', '--until-idle', '3'],
      envFor(own, { INGEST_MEMORY_MB: String(memoryMb) }),
      300_000,
    );
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    const summary = /ingested: .*peak RSS (\d+) MB/.exec(run.stdout);
    assert.ok(summary, `no summary with a peak RSS in: ${run.stdout.slice(-500)}`);
    const peakMb = Number(summary[1]);
    assert.ok(peakMb <= memoryMb, `peak RSS ${peakMb} MB over INGEST_MEMORY_MB=${memoryMb}: ${summary[0]}`);
    await withDb(own, async (db) => assert.equal(await countStoredEvents(db), HUGE + SMALL));
    const described = await admin.describe(own.kafka.topic, own.kafka.group);
    assert.equal(described.totalLag, 0, 'every record committed');
    process.stdout.write(`[memory-bound] INGEST_MEMORY_MB=${memoryMb}: ${summary[0]}\n`);
  });
}

test('a budget that cannot hold the consumers is refused at start with one line', async () => {
  const run = await runCli(
    ['ingest', '--workers', '64', '--until-idle', '1'],
    envFor(config, { INGEST_MEMORY_MB: '256' }),
  );
  assert.notEqual(run.code, 0);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /INGEST_MEMORY_MB=256 cannot hold 64 consumers/);
});
