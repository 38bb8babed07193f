import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEventGenerator } from '../../src/events/index.ts';
import { IngestPool, type WorkerStats } from '../../src/ingest/index.ts';
import { EventProducer, type OutgoingRecord, TopicAdmin } from '../../src/kafka/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { runProducer } from '../../src/producer/index.ts';
import { connectMongo, ensureSchema, storedEvents } from '../../src/store/index.ts';
import { eventually, testConfig } from '../support/config.ts';
import { assertExactTotals, report, storedCounts, watchProgress } from '../support/faults.ts';
import { PrivateServices } from '../support/private-services.ts';
import { withDb } from '../support/recount.ts';

// The store goes away for 30 s while records keep arriving. Ingest must stop fetching once its
// buffer holds INGEST_MAX_BUFFER_BYTES (memory bounded however long the outage), commit nothing it
// has not stored, and resume by itself when the store is back. The store is a private FerretDB on
// its own port (the shared one is in use by others); Kafka is the shared broker, own topic.
//
// The pool runs in this process (as in `up`), so the test reads each worker's live counters:
// buffered bytes, paused, store retries.
const services = new PrivateServices();
const base = testConfig('fault-store');
const MAX_BUFFER = 1024 * 1024;
const config = {
  ...base,
  mongo: { ...base.mongo, uri: services.mongoUri },
  ingest: { ...base.ingest, workers: 2, maxBufferBytes: MAX_BUFFER },
  logLevel: 'error' as const,
};
const OUTAGE_MS = 30_000;
const RATE = 500;
/** About 2 KB per record: the outage's backlog (~30 MB) dwarfs the two workers' 2 MiB of buffer. */
const PAD = 'x'.repeat(2000);

let admin: TopicAdmin;
let pool: IngestPool | undefined;

before(async () => {
  await services.startFerretdb();
  admin = new TopicAdmin(config.kafka);
  await admin.create(config.kafka.topic, 4);
  const mongo = await connectMongo(config.mongo);
  await ensureSchema(mongo.db).finally(() => mongo.close());
});

after(async () => {
  await pool?.stop(5_000);
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await services.cleanup();
});

function* paddedEvents(isStopped: () => boolean): Generator<OutgoingRecord> {
  // Few devices over two minutes: each flush updates few rollup documents, so FerretDB (one update
  // per command, one writer at a time) keeps up with the stream and the catch-up stays short.
  const generator = createEventGenerator({ seed: 61, devices: 50, spreadMs: 120_000 });
  while (!isStopped()) {
    const { key, event } = generator.next();
    yield { key, value: JSON.stringify({ ...event, note: PAD }) };
  }
}

async function committed(): Promise<number[]> {
  const d = await admin.describe(config.kafka.topic, config.kafka.group);
  return d.partitions.map((p) => p.committed ?? 0);
}

/** What the outage looked like from inside the workers and from the broker, sampled every second. */
interface OutageSample {
  workers: WorkerStats[];
  rss: number;
  committed: number[];
  end: number;
}

test('FerretDB down for 30 s mid-stream: fetching pauses, nothing unstored is committed, it resumes', async () => {
  const stopWatch = watchProgress('store-outage', admin, config);
  pool = new IngestPool(config, createLogger('error', 'fault-store'));
  await pool.scaleTo(config.ingest.workers);
  let stopProducing = false;
  const producer = new EventProducer(config.kafka, 'fault-store');
  const producing = runProducer(
    producer,
    paddedEvents(() => stopProducing),
    { rate: RATE },
  ).finally(() => producer.close());
  try {
    await eventually(async () => (await storedCounts(config)).events >= 3000, 60_000, '3000 events stored');
    const rssBefore = process.memoryUsage().rss;
    const down = Date.now();
    await services.stopFerretdb();
    const atStop = await committed();

    const samples: OutageSample[] = [];
    while (Date.now() - down < OUTAGE_MS) {
      const d = await admin.describe(config.kafka.topic, config.kafka.group);
      samples.push({
        workers: pool.stats(),
        rss: process.memoryUsage().rss,
        committed: d.partitions.map((p) => p.committed ?? 0),
        end: d.totalEnd,
      });
      await sleep(1000);
    }
    await services.startFerretdb();
    const back = Date.now();

    // While it was down: no offset moved (a commit follows a successful store, and none could
    // succeed), every worker stopped fetching, and no buffer grew past its budget.
    for (const s of samples) assert.deepEqual(s.committed, atStop, 'no commit while the store is down');
    const last = samples.at(-1)!;
    for (const w of last.workers) assert.ok(w.paused, `worker ${w.workerId} paused fetching`);
    const maxBuffered = Math.max(...samples.flatMap((s) => s.workers.map((w) => w.bufferedBytes)));
    assert.ok(
      maxBuffered <= MAX_BUFFER + config.ingest.maxRecordBytes,
      `buffered ${maxBuffered} bytes, budget ${MAX_BUFFER}`,
    );
    // Read but not stored = the buffer plus the batch a worker keeps retrying: its own limit.
    const heldBytes = last.workers.map(
      (w) =>
        (w.consumed - w.stored - w.duplicates - w.deadLetters - w.droppedForRebalance) * (PAD.length + 120),
    );
    for (const [i, w] of last.workers.entries()) {
      const bound = MAX_BUFFER + w.policy.bytesLimit + config.ingest.maxRecordBytes;
      assert.ok(heldBytes[i]! <= bound, `worker ${w.workerId} holds ~${heldBytes[i]} bytes, bound ${bound}`);
    }
    const backlogBytes = (last.end - samples[0]!.end) * (PAD.length + 60);
    assert.ok(backlogBytes > 8 * MAX_BUFFER, `the outage's backlog (${backlogBytes} B) dwarfs the buffers`);
    const rssGrowth = Math.max(...samples.map((s) => s.rss)) - rssBefore;

    await eventually(
      () => pool!.stats().some((w) => w.stored > 0 && w.lastFlush !== null && w.lastFlush.at > back),
      120_000,
      'a flush stored after the store came back',
    );
    const firstStoreMs = Date.now() - back;
    stopProducing = true;
    const summary = await producing;
    assert.equal(summary.failed, 0, summary.errors.join('; '));
    await eventually(
      async () => (await admin.describe(config.kafka.topic, config.kafka.group)).totalLag === 0,
      180_000,
      'lag 0: every produced record stored and committed',
    );
    const recoveryMs = Date.now() - back;

    // What was committed when the store went down had really been stored: every offset below it.
    await withDb(config, async (db) => {
      const below = atStop.map(() => 0);
      for await (const e of storedEvents(db)) if (e.offset < atStop[e.partition]!) below[e.partition]!++;
      for (const [partition, offset] of atStop.entries()) {
        assert.equal(
          below[partition],
          offset,
          `partition ${partition}: all ${offset} committed records stored`,
        );
      }
    });

    const consumed = pool.allStats().reduce((n, w) => n + w.consumed, 0);
    // Reported, not asserted: a worker replaces its client only once its writes have failed for
    // 20 s, and when the first one failed within the 30 s outage depends on its flush timing.
    const clientsReplaced = pool.allStats().reduce((n, w) => n + w.storeClientsReplaced, 0);
    process.stderr.write(`[fault store-outage] consumed ${consumed} of ${summary.sent} produced\n`);
    await pool.stop();
    pool = undefined;
    stopWatch();
    await assertExactTotals(admin, config, { events: summary.sent, deadLetters: 0 });
    report('store-outage', {
      produced: summary.sent,
      consumed,
      outageMs: back - down,
      backlogRecords: last.end - samples[0]!.end,
      committedAtStop: atStop,
      maxBufferedBytesPerWorker: maxBuffered,
      heldBytesPerWorker: heldBytes,
      bufferBudgetPerWorker: MAX_BUFFER,
      rssGrowthDuringOutageMb: Math.round(rssGrowth / 1024 / 1024),
      storeRetries: last.workers.reduce((n, w) => n + w.storeRetries, 0),
      clientsReplaced,
      firstStoreAfterRestartMs: firstStoreMs,
      lag0AfterRestartMs: recoveryMs,
      final: await storedCounts(config),
    });
  } finally {
    // A failed assertion must not leave the producer sending forever (the file would never end).
    stopProducing = true;
    await producing.catch(() => undefined);
    stopWatch();
  }
});
