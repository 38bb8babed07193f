/**
 * A synthetic data set for the API benchmark, and its bulk loader. The benchmark measures reads,
 * so the data set is written the quickest way that leaves exactly the documents ingest would have
 * stored: the same rollup planner that EventStore.write runs, applied in memory to large batches
 * of the generator's events (in time order, so every bucket is complete, inserted whole and
 * forgotten once the stream has passed it), with device ids assigned in first-seen order.
 * test/bench/api-data.test.ts recounts every document it writes from the events.
 */
import { type Collection, type Db, type Document, type OptionalUnlessRequiredId } from 'mongodb';
import {
  canonicalizeIp,
  createRandom,
  type DeviceEvent,
  partitionKey,
  recordId,
} from '../src/events/index.ts';
import { loadBitmaps } from '../src/sketch/index.ts';
import {
  BucketCache,
  bucketEnd,
  bucketsOf,
  COLLECTIONS,
  type DeviceDoc,
  ensureSchema,
  type EventsLayout,
  type Guarded,
  ID_BLOCK,
  IdBlocks,
  parseBucketId,
  planRollups,
  recordedSchema,
  toEventDoc,
  toRollupEvent,
  touchedDocs,
} from '../src/store/index.ts';

export interface BenchDataOptions {
  events: number;
  ips: number;
  /** Events are spread evenly over this many hours ending at `endMs`. */
  hours: number;
  endMs: number;
  partitions: number;
  seed: number;
  /** Store the events too (the API never reads them; they make the store its real size). */
  withEvents: boolean;
  /** How the events are stored (EVENTS_LAYOUT), recorded in the database (default documents). */
  eventsLayout?: EventsLayout;
  /**
   * Every address of the pool sends at least once: event i < ips comes from address i (the rest
   * are drawn as usual), so exactly `ips` devices are stored. Default: drawn only.
   */
  everyIp?: boolean;
  /** Addresses the pool leaves out (it takes the next ones instead): devices another stream owns. */
  excludeIps?: ReadonlySet<string>;
  onProgress?: (written: number) => void;
}

export interface BenchData {
  /** Wall-clock seconds spent loading. */
  loadSeconds: number;
}

const TOPIC = 'bench-api';
/** Events planned at a time: large, so that each bucket is rewritten in memory only a few times. */
const PLAN_BATCH = 250_000;

/** The i-th address of the pool: IPv4 for most, IPv6 for every fifth, canonical as ingest stores them. */
export function benchIp(i: number): string {
  const text =
    i % 5 === 4
      ? `2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`
      : `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
  return canonicalizeIp(text)!;
}

/** The pool's i-th address: benchIp(i), or with `exclude`, the i-th of benchIp(0, 1, ...) not in it. */
function addressPool(ips: number, exclude?: ReadonlySet<string>): (i: number) => string {
  if (exclude === undefined || exclude.size === 0) return benchIp;
  const pool: string[] = [];
  for (let j = 0; pool.length < ips; j++) {
    const ip = benchIp(j);
    if (!exclude.has(ip)) pool.push(ip);
  }
  return (i) => pool[i]!;
}

/** The data set's events, in time order: evenly spaced, round-robin over the partitions. */
export function* benchEvents(
  options: Pick<
    BenchDataOptions,
    'events' | 'ips' | 'hours' | 'endMs' | 'partitions' | 'seed' | 'everyIp' | 'excludeIps'
  >,
): Generator<DeviceEvent> {
  const random = createRandom(options.seed);
  const address = addressPool(options.ips, options.excludeIps);
  const startMs = options.endMs - options.hours * 3_600_000;
  const step = (options.endMs - startMs) / options.events;
  const offsets = new Array<number>(options.partitions).fill(0);
  for (let i = 0; i < options.events; i++) {
    // Squaring a uniform draw skews traffic toward low indexes, so "top IPs" has a real order.
    const r = random();
    const ip = address(options.everyIp === true && i < options.ips ? i : Math.floor(r * r * options.ips));
    const partition = i % options.partitions;
    const offset = offsets[partition]!++;
    yield {
      id: recordId(TOPIC, partition, offset),
      topic: TOPIC,
      partition,
      offset,
      ts: Math.floor(startMs + i * step),
      ip,
      errorCode: Math.floor(random() * 4) * 100 + 200,
      bytes: 80,
    };
  }
}

async function insertAll<D extends Document>(collection: Collection<D>, docs: D[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) {
    // Every document here carries its _id, which the driver's generic type cannot see.
    const chunk = docs.slice(i, i + 1000) as unknown as OptionalUnlessRequiredId<D>[];
    await collection.insertMany(chunk, { ordered: false });
  }
}

export async function loadBenchData(db: Db, options: BenchDataOptions): Promise<BenchData> {
  await ensureSchema(db);
  await loadBitmaps();
  const began = performance.now();
  // Recorded first, as the first writer of a new database records it; device ids then come from
  // blocks claimed as any writer claims them, so a later writer's new devices get ids above them.
  await recordedSchema(db, { layout: options.eventsLayout ?? 'documents' });
  const idBlocks = new IdBlocks(db);
  const ids = { next: 0, end: 0 };
  const claimIds = async (wanted: number): Promise<number[]> => {
    const out: number[] = [];
    while (out.length < wanted) {
      if (ids.next === ids.end) {
        ids.next = await idBlocks.claim();
        ids.end = ids.next + ID_BLOCK;
      }
      out.push(ids.next++);
    }
    return out;
  };
  const rollups = db.collection<Guarded>(COLLECTIONS.rollups);
  const deviceStats = db.collection<Guarded>(COLLECTIONS.deviceStats);
  const docs = new Map<string, { collection: 'rollups' | 'deviceStats'; doc: Guarded }>();
  const devices = new Map<string, DeviceDoc>();
  const now = new Date();
  let written = 0;

  const flush = async (finishedBy: number): Promise<void> => {
    const done: Record<'rollups' | 'deviceStats', Guarded[]> = { rollups: [], deviceStats: [] };
    for (const [id, entry] of docs) {
      const bucket = parseBucketId(id);
      if (bucket !== null && bucketEnd(bucket.level, bucket.start) <= finishedBy) {
        done[entry.collection].push(entry.doc);
        docs.delete(id);
      }
    }
    await insertAll(rollups, done.rollups);
  };

  const plan = async (batch: DeviceEvent[]): Promise<void> => {
    const firstEvents = new Map<string, string>();
    for (const e of batch) if (!devices.has(e.ip) && !firstEvents.has(e.ip)) firstEvents.set(e.ip, e.id);
    const newIds = await claimIds(firstEvents.size);
    [...firstEvents].forEach(([ip, by], i) => devices.set(ip, { _id: ip, n: newIds[i]!, by }));
    const events = batch.map((e) => toRollupEvent(e, devices.get(e.ip)!));
    // Each record decided as an event in its record log, as EventStore.write decides it.
    const records = batch.map((e) => ({
      pk: partitionKey(e.topic, e.partition),
      offset: e.offset,
      dead: false,
    }));
    const eventBuckets =
      options.withEvents && options.eventsLayout === 'buckets' ? bucketsOf(batch, now) : [];
    const bucketRuns = eventBuckets.map((b) => ({
      pk: partitionKey(b.topic, b.partition),
      from: b.from,
      to: b.to,
    }));
    const rollupBatch = { events, deadLetters: [], records, bucketRuns, storedAt: now.getTime() };
    const buckets = new BucketCache();
    const current = new Map(
      touchedDocs(rollupBatch, buckets).map((r) => [r.id, docs.get(r.id)?.doc ?? null]),
    );
    for (const w of planRollups(rollupBatch, current, buckets))
      docs.set(w.doc._id, { collection: w.collection, doc: w.doc });
    if (options.withEvents)
      await insertAll(
        db.collection(COLLECTIONS.events),
        options.eventsLayout === 'buckets' ? eventBuckets : batch.map((e) => toEventDoc(e, now)),
      );
    written += batch.length;
    options.onProgress?.(written);
    // The stream is in time order: buckets that end before its last event are complete.
    await flush(batch.at(-1)!.ts);
  };

  let batch: DeviceEvent[] = [];
  for (const e of benchEvents(options)) {
    batch.push(e);
    if (batch.length === PLAN_BATCH) {
      await plan(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await plan(batch);
  await flush(Infinity);
  const rest: Record<'rollups' | 'deviceStats', Guarded[]> = { rollups: [], deviceStats: [] };
  for (const { collection, doc } of docs.values()) rest[collection].push(doc);
  await insertAll(rollups, rest.rollups);
  await insertAll(deviceStats, rest.deviceStats);
  await insertAll(db.collection<DeviceDoc>(COLLECTIONS.devices), [...devices.values()]);
  return { loadSeconds: (performance.now() - began) / 1000 };
}
