/**
 * The buckets layout of events (EVENTS_LAYOUT=buckets): one document holds a contiguous run of one
 * partition's offsets, with each event's fields as the documents layout stores them, in offset
 * order. MongoDB's time-series collections keep up to 1,000 measurements a bucket but have no
 * unique index, so they cannot be exactly once; these buckets are, because their ids are the Kafka
 * coordinates where they start.
 *
 * The bucket that stores a partition's first undecided offset (one past the record log's mark) has
 * the id `b:<topic>/<partition>/<that offset>`, whoever writes it. Its insert decides the records
 * of its run: of two deliveries that insert it at once, one inserts, and the other reads the
 * bucket it lost to and takes its run as decided (an event where the bucket holds one, a dead
 * letter otherwise). No bucket is ever updated, so no two buckets ever hold one offset, and the
 * record log (decisions.ts) then records the decision like any other. A run taken can be longer
 * than the batch that took it (its inserter died before its record log was written): the record
 * log's mark then stops inside the run, and the next batch takes the run again instead of starting
 * a bucket there. A record a dead-letter replay stores later is a bucket of its own, under the
 * record's own id.
 */
import type { Collection } from 'mongodb';
import { BSON } from 'bson';
import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import { IpstreamError } from '../errors/index.ts';
import { decidedDeadLetter, refusedEvent, storedDeviceEvent } from './event-docs.ts';
import { groupBy } from './rollup-batch.ts';
import { insertOutcome } from './write-errors.ts';

/** One event in a bucket: the event document's fields but its coordinates' partition and topic. */
export interface BucketEvent {
  offset: number;
  ts: Date;
  ip: string;
  errorCode: number;
  extra?: Record<string, unknown>;
}

/**
 * A bucket keeps its events by field: one array per field, in offset order, position i of each
 * being one event. FerretDB stores a type schema beside every value, and an array of event objects
 * repeated every event's field names and types there (about 130 bytes of schema beside 65 of values);
 * an array per field pays one short type tag a value.
 */
export interface BucketDoc {
  _id: string;
  topic: string;
  partition: number;
  /** The run of offsets the bucket decided: [from, to]. Offsets in it without an event are dead letters. */
  from: number;
  to: number;
  offset: number[];
  ts: Date[];
  ip: string[];
  errorCode: number[];
  /** Each event's extra fields, null for an event without; absent when no event has any. */
  extra?: (Record<string, unknown> | null)[];
  /** Buckets written before the arrays per field hold their events as objects instead. */
  events?: BucketEvent[];
  ingestedAt: Date;
}

/** Events a bucket holds at most, and about the most BSON bytes. */
export const BUCKET_EVENTS = 1000;
export const BUCKET_BYTES = 1024 * 1024;

export function eventBucketId(topic: string, partition: number, from: number): string {
  return `b:${topic}/${partition}/${from}`;
}

export function toBucketEvent(e: DeviceEvent): BucketEvent {
  const event: BucketEvent = { offset: e.offset, ts: new Date(e.ts), ip: e.ip, errorCode: e.errorCode };
  if (e.extra !== undefined) event.extra = e.extra;
  return event;
}

type BucketFields = Pick<BucketDoc, 'offset' | 'ts' | 'ip' | 'errorCode' | 'extra'>;

/** The bucket fields of events in offset order. */
export function bucketFields(events: readonly DeviceEvent[]): BucketFields {
  const fields: BucketFields = { offset: [], ts: [], ip: [], errorCode: [] };
  const extra: (Record<string, unknown> | null)[] = [];
  for (const e of events) {
    fields.offset.push(e.offset);
    fields.ts.push(new Date(e.ts));
    fields.ip.push(e.ip);
    fields.errorCode.push(e.errorCode);
    extra.push(e.extra ?? null);
  }
  if (extra.some((x) => x !== null)) fields.extra = extra;
  return fields;
}

/** A bucket's events, one by one, in offset order (either form: arrays per field, or objects). */
export function bucketEvents(bucket: Partial<BucketFields> & Pick<BucketDoc, 'events'>): BucketEvent[] {
  if (bucket.events !== undefined) return bucket.events;
  const { offset = [], ts = [], ip = [], errorCode = [], extra } = bucket;
  return offset.map((o, i) => {
    const event: BucketEvent = { offset: o, ts: ts[i]!, ip: ip[i]!, errorCode: errorCode[i]! };
    const x = extra?.[i];
    if (x !== undefined && x !== null) event.extra = x;
    return event;
  });
}

export function fromBucketEvent(bucket: BucketDoc, e: BucketEvent, bytes = 0): DeviceEvent {
  return storedDeviceEvent(bucket.topic, bucket.partition, e.offset, e, bytes);
}

/** A replayed record as a bucket of its own, under the record's id. */
export function replayBucket(e: DeviceEvent, ingestedAt: Date): BucketDoc {
  return {
    _id: e.id,
    topic: e.topic,
    partition: e.partition,
    from: e.offset,
    to: e.offset,
    ...bucketFields([e]),
    ingestedAt,
  };
}

/** How a partition's undecided records were decided by the buckets that now hold their run. */
export interface DecidedRun {
  events: DeviceEvent[];
  deadLetters: DeadLetter[];
  /** The buckets' runs, for the record log. */
  runs: { from: number; to: number }[];
  /** Ids of the events this write stored (the rest were in a bucket another delivery inserted). */
  insertedIds: string[];
}

type Record_ = { offset: number; event: DeviceEvent | null; deadLetter: DeadLetter | null };

/**
 * Decides one partition's records above `mark`, in offset order, by inserting buckets from mark + 1
 * (or taking the bucket another delivery inserted there). With `within`, the start of a run the
 * record log names that holds mark + 1, the records start inside that bucket: it is taken, whole
 * (or, if retention has deleted it, they are stored again from mark + 1).
 */
export async function decideRun(
  collection: Collection<BucketDoc>,
  mark: number,
  records: readonly (DeviceEvent | DeadLetter)[],
  ingestedAt: Date,
  within?: number,
): Promise<DecidedRun> {
  const sorted: Record_[] = [...records]
    .sort((a, b) => a.offset - b.offset)
    .filter((r, i, all) => i === 0 || r.offset !== all[i - 1]!.offset)
    .map((r) => ({
      offset: r.offset,
      event: 'reason' in r ? null : r,
      deadLetter: 'reason' in r ? r : null,
    }));
  const out: DecidedRun = { events: [], deadLetters: [], runs: [], insertedIds: [] };
  if (sorted.length === 0) return out;
  const { topic, partition } = sorted[0]!.event ?? sorted[0]!.deadLetter!;
  if (sorted[0]!.offset !== mark + 1) {
    throw new IpstreamError(
      'RECORDS_MISSING',
      `partition ${topic}/${partition} is stored through offset ${mark}, and this batch starts at ${sorted[0]!.offset}: read it again from the committed offset`,
    );
  }
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.offset;
    const run = sorted.slice(i, runEnd(sorted, i));
    const bucket = runBucket(run, topic, partition, ingestedAt);
    // The named run's bucket, unless retention has deleted it since: then the records are stored
    // again from here, as if no run held them.
    const taken =
      i === 0 && within !== undefined
        ? await collection.findOne({ _id: eventBucketId(topic, partition, within) })
        : null;
    const stored = taken ?? (await insertOrTake(collection, bucket));
    if (stored === 'refused') {
      // The store refused the run for its content: one event at a time, and one it refuses alone is
      // a dead letter (every delivery meets the same refusal at the same offset).
      if (run.length > 1) {
        const [first] = run;
        const single = await decideRun(
          collection,
          start - 1,
          [first!.event ?? first!.deadLetter!],
          ingestedAt,
        );
        merge(out, single);
        i++;
        continue;
      }
      out.deadLetters.push(
        run[0]!.deadLetter ?? refusedEvent(run[0]!.event!, 0, 'a bucket of it alone was refused'),
      );
      i++;
      continue;
    }
    if (stored.to < start) {
      throw new IpstreamError(
        'STORE_INCONSISTENT',
        `the record log puts offset ${start} of ${topic}/${partition} in bucket ${stored._id}, which ends at ${stored.to}`,
      );
    }
    const held = new Map(bucketEvents(stored).map((e) => [e.offset, e]));
    out.runs.push({ from: stored.from, to: stored.to });
    for (; i < sorted.length && sorted[i]!.offset <= stored.to; i++) {
      const r = sorted[i]!;
      const e = held.get(r.offset);
      if (e !== undefined && stored === bucket) {
        out.events.push(r.event!);
        out.insertedIds.push(r.event!.id);
      } else if (e !== undefined) out.events.push(fromBucketEvent(stored, e, r.event?.bytes ?? 0));
      else out.deadLetters.push(r.deadLetter ?? decidedDeadLetter(r.event!));
    }
  }
  return out;
}

/**
 * Where the run that starts at `sorted[i]` ends (exclusive): consecutive records (Kafka offsets may
 * skip: control records) up to BUCKET_EVENTS events and about BUCKET_BYTES.
 */
function runEnd(sorted: readonly Pick<Record_, 'event'>[], i: number): number {
  let j = i;
  let bytes = 0;
  let count = 0;
  while (j < sorted.length && count < BUCKET_EVENTS) {
    const e = sorted[j]!.event;
    const size = e === null ? 0 : BSON.calculateObjectSize(toBucketEvent(e));
    if (count > 0 && bytes + size > BUCKET_BYTES) break;
    if (e !== null) {
      count++;
      bytes += size;
    }
    j++;
  }
  return j;
}

function runBucket(
  run: readonly Pick<Record_, 'offset' | 'event'>[],
  topic: string,
  partition: number,
  ingestedAt: Date,
): BucketDoc {
  const from = run[0]!.offset;
  return {
    _id: eventBucketId(topic, partition, from),
    topic,
    partition,
    from,
    to: run.at(-1)!.offset,
    ...bucketFields(run.flatMap((r) => (r.event === null ? [] : [r.event]))),
    ingestedAt,
  };
}

/**
 * The buckets a first delivery of these events inserts (decideRun, no bucket there before it): per
 * partition, in offset order, cut where decideRun cuts. For loaders and benchmarks that write
 * buckets without deciding.
 */
export function bucketsOf(events: readonly DeviceEvent[], ingestedAt: Date): BucketDoc[] {
  const buckets: BucketDoc[] = [];
  for (const list of groupBy(events, (e) => partitionKey(e.topic, e.partition)).values()) {
    const sorted = list.sort((a, b) => a.offset - b.offset).map((e) => ({ offset: e.offset, event: e }));
    for (let i = 0; i < sorted.length;) {
      const j = runEnd(sorted, i);
      buckets.push(runBucket(sorted.slice(i, j), list[0]!.topic, list[0]!.partition, ingestedAt));
      i = j;
    }
  }
  return buckets;
}

function merge(into: DecidedRun, from: DecidedRun): void {
  into.events.push(...from.events);
  into.deadLetters.push(...from.deadLetters);
  into.runs.push(...from.runs);
  into.insertedIds.push(...from.insertedIds);
}

/** Inserts the bucket, or returns the one another delivery inserted under its id. */
async function insertOrTake(
  collection: Collection<BucketDoc>,
  bucket: BucketDoc,
): Promise<BucketDoc | 'refused'> {
  try {
    // insertMany, whose errors say per document whether it was a duplicate or refused.
    await collection.insertMany([bucket], { ordered: false });
    return bucket;
  } catch (error) {
    const outcome = insertOutcome(error);
    if (outcome === undefined) throw error;
    if (outcome.refused.length > 0) return 'refused';
    const existing = await collection.findOne({ _id: bucket._id });
    if (existing === null) {
      throw new IpstreamError(
        'STORE_INCONSISTENT',
        `bucket ${bucket._id} was reported stored but cannot be read`,
      );
    }
    return existing;
  }
}
