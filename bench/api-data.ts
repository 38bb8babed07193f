/**
 * A synthetic data set for the API benchmark. The benchmark measures reads, so the data set is
 * written the quickest way that yields exactly the documents ingest would have stored: events as
 * EventStore builds them, and the devices and minute/hour buckets computed here in one pass and
 * inserted whole (a fresh database needs no offset guards; `hw` is set as the guards would leave
 * it). Going through EventStore.write instead costs one rollup update per device and bucket, which
 * on FerretDB (one update per command) turns a million events into hours of loading.
 */
import { Binary, type Collection, type Db, type Document, type OptionalUnlessRequiredId } from 'mongodb';
import { type DeviceEvent, partitionKey, recordId } from '../src/events/event.ts';
import { canonicalizeIp } from '../src/events/ip.ts';
import { createRandom } from '../src/events/synthetic.ts';
import { HyperLogLog } from '../src/sketch/hll.ts';
import { HLL_PRECISION, HOUR_MS, MINUTE_MS, toEventDoc } from '../src/store/event-store.ts';
import { bucketId } from '../src/store/rollup-plan.ts';
import { type BucketDoc, COLLECTIONS, type DeviceDoc, type EventDoc } from '../src/store/schema.ts';
import { ensureSchema } from '../src/store/schema.ts';

export interface BenchDataOptions {
  events: number;
  ips: number;
  /** Events are spread evenly over this many hours ending at `endMs`. */
  hours: number;
  endMs: number;
  partitions: number;
  batchSize: number;
  seed: number;
  onProgress?: (written: number) => void;
}

export interface BenchData {
  /** Wall-clock seconds spent loading. */
  loadSeconds: number;
}

const TOPIC = 'bench-api';

/** The i-th address of the pool: IPv4 for most, IPv6 for every fifth, canonical as ingest stores them. */
export function benchIp(i: number): string {
  const text =
    i % 5 === 4
      ? `2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`
      : `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
  return canonicalizeIp(text)!;
}

/** Inserts documents in chunks, so memory stays bounded whatever the data set's size. */
class ChunkedInserter<D extends Document> {
  readonly #pending: D[] = [];
  readonly #collection: Collection<D>;
  readonly #chunk: number;
  constructor(collection: Collection<D>, chunk: number) {
    this.#collection = collection;
    this.#chunk = chunk;
  }

  async add(doc: D): Promise<void> {
    this.#pending.push(doc);
    if (this.#pending.length >= this.#chunk) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const docs = this.#pending.splice(0);
    // Every document here carries its _id, which the driver's generic type cannot see.
    await this.#collection.insertMany(docs as unknown as OptionalUnlessRequiredId<D>[], { ordered: false });
  }
}

interface OpenBucket {
  events: number;
  sketch: HyperLogLog;
  hw: number;
}

/** The buckets of the current period, per partition; events arrive in time order, so a bucket is
 * complete (and written) as soon as an event of a later period shows up. */
class BucketRoller {
  #start = -Infinity;
  readonly #open = new Map<string, OpenBucket>();
  readonly sizeMs: number;
  readonly out: ChunkedInserter<BucketDoc>;
  constructor(sizeMs: number, out: ChunkedInserter<BucketDoc>) {
    this.sizeMs = sizeMs;
    this.out = out;
  }

  async add(ts: number, pk: string, ip: string, offset: number): Promise<void> {
    const start = Math.floor(ts / this.sizeMs) * this.sizeMs;
    if (start !== this.#start) {
      await this.close();
      this.#start = start;
    }
    let bucket = this.#open.get(pk);
    if (bucket === undefined)
      this.#open.set(pk, (bucket = { events: 0, sketch: new HyperLogLog(HLL_PRECISION), hw: -1 }));
    bucket.events++;
    bucket.sketch.add(ip);
    bucket.hw = offset;
  }

  async close(): Promise<void> {
    for (const [pk, b] of this.#open) {
      await this.out.add({
        _id: bucketId(this.#start, pk),
        start: new Date(this.#start),
        pk,
        events: b.events,
        hll: new Binary(b.sketch.toBytes()),
        hw: b.hw,
      });
    }
    this.#open.clear();
  }
}

/** The data set's events, in time order: evenly spaced, round-robin over the partitions. */
export function* benchEvents(
  options: Omit<BenchDataOptions, 'batchSize' | 'onProgress'>,
): Generator<DeviceEvent> {
  const random = createRandom(options.seed);
  const startMs = options.endMs - options.hours * 3_600_000;
  const step = (options.endMs - startMs) / options.events;
  const offsets = new Array<number>(options.partitions).fill(0);
  for (let i = 0; i < options.events; i++) {
    // Squaring a uniform draw skews traffic toward low indexes, so "top IPs" has a real order.
    const r = random();
    const ip = benchIp(Math.floor(r * r * options.ips));
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

export async function loadBenchData(db: Db, options: BenchDataOptions): Promise<BenchData> {
  await ensureSchema(db);
  const events = new ChunkedInserter(db.collection<EventDoc>(COLLECTIONS.events), options.batchSize);
  const minutes = new BucketRoller(MINUTE_MS, new ChunkedInserter(db.collection(COLLECTIONS.minutes), 1000));
  const hours = new BucketRoller(HOUR_MS, new ChunkedInserter(db.collection(COLLECTIONS.hours), 100));
  const devices = new Map<string, DeviceDoc>();
  const now = new Date();
  const began = performance.now();
  let written = 0;
  for (const e of benchEvents(options)) {
    const pk = partitionKey(e.topic, e.partition);
    await events.add(toEventDoc(e, now));
    await minutes.add(e.ts, pk, e.ip, e.offset);
    await hours.add(e.ts, pk, e.ip, e.offset);
    let device = devices.get(e.ip);
    if (device === undefined) {
      device = {
        _id: e.ip,
        firstSeen: new Date(e.ts),
        lastSeen: new Date(e.ts),
        events: 0,
        errorCodes: {},
        hw: {},
      };
      devices.set(e.ip, device);
    }
    device.events++;
    device.lastSeen = new Date(e.ts);
    device.errorCodes[e.errorCode] = (device.errorCodes[e.errorCode] ?? 0) + 1;
    device.hw[pk] = e.offset;
    if (++written % options.batchSize === 0) options.onProgress?.(written);
  }
  await events.flush();
  for (const roller of [minutes, hours]) {
    await roller.close();
    await roller.out.flush();
  }
  const deviceOut = new ChunkedInserter(db.collection<DeviceDoc>(COLLECTIONS.devices), 5000);
  for (const device of devices.values()) await deviceOut.add(device);
  await deviceOut.flush();
  options.onProgress?.(options.events);
  return { loadSeconds: (performance.now() - began) / 1000 };
}
