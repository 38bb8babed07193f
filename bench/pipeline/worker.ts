// One worker thread of a pipeline benchmark child: an Ingestor that stores nothing (consume
// ceiling) or stores with EventStore (end to end), or an EventStore writer fed without Kafka
// (store ceiling), or the same batches inserted as bare event documents (raw insert ceiling).
// Every command sent to the store is counted (statements.ts).
import { performance } from 'node:perf_hooks';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type Collection, MongoClient } from 'mongodb';
import type { DeadLetter, Decoded, DeviceEvent } from '../../src/events/index.ts';
import { describeError } from '../../src/errors/index.ts';
import {
  type BatchWriter,
  createFlushPolicy,
  Ingestor,
  takeLimits,
  WriteCombiner,
} from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log/index.ts';
import {
  type BucketDoc,
  bucketsOf,
  COLLECTIONS,
  detectStoreProfile,
  type EventDoc,
  type EventsLayout,
  EventStore,
  isDuplicateKeyOnly,
  isRetriableStoreError,
  type MongoHandle,
  type StoreBatch,
  type StoreResult,
  toEventDoc,
} from '../../src/store/index.ts';
import { withRetry } from '../../src/retry/index.ts';
import { decodedRecords } from './data.ts';
import {
  addBatch,
  type BatchSizes,
  emptySizes,
  type IngestJob,
  type ParentToWorker,
  type StoreJob,
  type WorkerJob,
  type WorkerToParent,
} from './protocol.ts';
import { countStatements, type StatementCounts } from '../statements.ts';

if (parentPort === null) throw new Error('pipeline/worker.ts must run in a worker thread');
const port: MessagePort = parentPort;
const job = workerData as WorkerJob;
const send = (message: WorkerToParent): void => port.postMessage(message);

function nextMessage(type: ParentToWorker['type']): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: ParentToWorker): void => {
      if (message.type !== type) return;
      port.off('message', listener);
      resolve();
    };
    port.on('message', listener);
  });
}

/** A writer that counts batch sizes and hands the batches to `inner` (or nowhere). */
function countingWriter(sizes: BatchSizes, inner: EventStore | null): BatchWriter {
  const writeMany = async (batches: readonly StoreBatch[]): Promise<StoreResult[]> => {
    for (const b of batches) addBatch(sizes, b.events.length + b.deadLetters.length);
    if (inner === null) {
      return batches.map((b) => ({
        inserted: b.events.length,
        duplicates: 0,
        deadLetters: b.deadLetters.length,
        deadLetterDuplicates: 0,
      }));
    }
    const results = await inner.writeMany(batches);
    for (const r of results) sizes.duplicates += r.duplicates;
    return results;
  };
  return { writeMany, write: async (batch) => (await writeMany([batch]))[0]! };
}

/**
 * connectMongo's client (src/store/mongo.ts, same options) with command monitoring on, every
 * command counted into `statements`.
 */
async function openStore(
  job: Pick<WorkerJob, 'config'>,
  statements: StatementCounts,
): Promise<{ mongo: MongoHandle; store: EventStore }> {
  const client = new MongoClient(job.config.mongo.uri, {
    appName: 'ipstream-bench',
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 10,
    monitorCommands: true,
  });
  countStatements(client, statements);
  await client.connect();
  const db = client.db(job.config.mongo.db);
  const mongo = { client, db, close: () => client.close() };
  const profile = await detectStoreProfile(db);
  return { mongo, store: new EventStore(db, { profile, layout: job.config.store.eventsLayout }) };
}

/**
 * The thread's Ingestors as IngestPool runs them (one store and one WriteCombiner per thread), the
 * writer wrapped to count batch sizes.
 */
async function ingest(job: IngestJob & { workerIds: number[] }): Promise<void> {
  const sizes = emptySizes();
  const statements: StatementCounts = {};
  const opened = job.mode === 'e2e' ? await openStore(job, statements) : null;
  try {
    const store = countingWriter(sizes, opened?.store ?? null);
    const combiner = new WriteCombiner();
    const ingestors = job.workerIds.map(
      (workerId) =>
        new Ingestor({
          config: job.config,
          workerId,
          log: createLogger(job.config.logLevel, `bench-${job.mode}-${workerId}`),
          onStats: () => undefined,
          store,
          combiner,
        }),
    );
    const stop = nextMessage('stop');
    await Promise.all(ingestors.map((i) => i.start()));
    send({ type: 'ready' });
    await stop;
    const started = performance.now();
    await Promise.all(ingestors.map((i) => i.stop()));
    for (const { stats } of ingestors) {
      sizes.finalCountLimits.push(stats.policy.countLimit);
      sizes.storeRetries += stats.storeRetries;
    }
    send({ type: 'done', sizes, elapsedMs: performance.now() - started, statements });
  } finally {
    await opened?.mongo.close();
  }
}

/** The batch starting at `from`: at most `count` records and about `bytes` (at least one). */
function takeBatch(
  records: readonly Decoded[],
  from: number,
  limits: { count: number; bytes: number },
): { batch: StoreBatch; count: number; bytes: number } {
  const events: DeviceEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  let bytes = 0;
  let i = from;
  for (; i < records.length && i - from < limits.count; i++) {
    const r = records[i]!;
    const size = r.ok ? r.event.bytes : r.deadLetter.bytes;
    if (i > from && bytes + size > limits.bytes) break;
    if (r.ok) events.push(r.event);
    else deadLetters.push(r.deadLetter);
    bytes += size;
  }
  return { batch: { events, deadLetters }, count: i - from, bytes };
}

/**
 * The raw insert ceiling's write: the batch's events as EventStore.write stores them in `layout`
 * (event documents, or the buckets a first delivery inserts), one unordered insertMany, nothing
 * else; duplicates (a retried batch) pass, as in EventStore.write.
 */
async function insertRaw(
  events: Collection<EventDoc | BucketDoc>,
  batch: StoreBatch,
  layout: EventsLayout,
): Promise<void> {
  if (batch.events.length === 0) return;
  const now = new Date();
  try {
    await events.insertMany(
      layout === 'buckets' ? bucketsOf(batch.events, now) : batch.events.map((e) => toEventDoc(e, now)),
      { ordered: false },
    );
  } catch (error) {
    if (!isDuplicateKeyOnly(error)) throw error;
  }
}

/**
 * EventStore.write (or, raw, insertRaw) as fast as it goes, in the batches the Ingestor would take
 * from a buffer that always holds a backlog (the same flush policy and takeLimits). A batch
 * "filled" while the previous one was written: that is the age reported to the policy.
 */
async function store(job: StoreJob & { workerId: number; owned: number[] }): Promise<void> {
  const { ingest } = job.config;
  const records = decodedRecords(job.stream, job.config.kafka.topic, job.partitions, job.owned, ingest);
  const statements: StatementCounts = {};
  const { mongo, store: eventStore } = await openStore(job, statements);
  const events = mongo.db.collection<EventDoc | BucketDoc>(COLLECTIONS.events);
  const write = async (b: StoreBatch): Promise<void> => {
    if (job.mode === 'raw') await insertRaw(events, b, job.config.store.eventsLayout);
    else await eventStore.write(b);
  };
  try {
    const policy = createFlushPolicy({
      maxAgeMs: ingest.flushIntervalMs,
      adaptive: ingest.adaptive,
      targetWriteMs: ingest.targetFlushMs,
      countLimit: ingest.flushCount,
      bytesLimit: ingest.flushBytes,
    });
    const sizes = emptySizes();
    const go = nextMessage('go');
    send({ type: 'ready' });
    await go;
    // Only what the measured writes send (not the connection's setup).
    for (const name of Object.keys(statements)) delete statements[name];
    const started = performance.now();
    let taken = started;
    for (let i = 0; i < records.length && performance.now() - started < job.maxMs;) {
      const { batch, count, bytes } = takeBatch(records, i, takeLimits(policy.current()));
      i += count;
      const writeStart = performance.now();
      const oldestAgeMs = writeStart - taken;
      taken = writeStart;
      await withRetry(() => write(batch), {
        baseMs: 200,
        maxMs: 5_000,
        giveUp: () => false,
        isRetriable: isRetriableStoreError,
        onRetry: () => sizes.storeRetries++,
      });
      policy.recordFlush({ count, bytes, writeMs: performance.now() - writeStart, oldestAgeMs });
      addBatch(sizes, count);
    }
    sizes.finalCountLimits.push(policy.current().countLimit);
    send({ type: 'done', sizes, elapsedMs: performance.now() - started, statements });
  } finally {
    await mongo.close();
  }
}

function isFed(j: WorkerJob): j is StoreJob & WorkerJob {
  return j.mode === 'store' || j.mode === 'raw';
}

try {
  if (isFed(job)) await store(job);
  else await ingest(job);
} catch (error) {
  send({ type: 'failed', error: describeError(error) });
}
