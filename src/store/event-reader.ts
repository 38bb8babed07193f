/**
 * Stored events one by one, whichever layout stored them: an event document is one event, a
 * bucket (buckets.ts; it has a run, `from` and `to`) is each of its events. What a user reads with
 * an aggregation (docs/store.md), for the few readers of events themselves: recounts, comparisons
 * with other systems, exports. The API never reads events.
 */
import type { Db, Document } from 'mongodb';
import { recordId } from '../events/index.ts';
import { type BucketDoc, bucketEvents } from './buckets.ts';
import { COLLECTIONS } from './schema.ts';

export interface StoredEvent {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  ts: Date;
  ip: string;
  errorCode: number;
  extra?: Record<string, unknown>;
}

/** Every stored event, in no particular order (a scan of `events`). */
export async function* storedEvents(db: Db): AsyncGenerator<StoredEvent> {
  const event = (topic: string, partition: number, offset: number, fields: Document): StoredEvent => ({
    id: recordId(topic, partition, offset),
    topic,
    partition,
    offset,
    ts: fields.ts as Date,
    ip: fields.ip as string,
    errorCode: fields.errorCode as number,
    ...(fields.extra === undefined ? {} : { extra: fields.extra as Record<string, unknown> }),
  });
  for await (const doc of db.collection<Document>(COLLECTIONS.events).find()) {
    const topic = doc.topic as string;
    const partition = doc.partition as number;
    if (isBucket(doc)) {
      for (const e of bucketEvents(doc)) yield event(topic, partition, e.offset, e);
    } else yield event(topic, partition, doc.offset as number, doc);
  }
}

/** How many events are stored (a scan: the events of every bucket, or the documents). */
export async function countStoredEvents(db: Db): Promise<number> {
  let n = 0;
  const projection = { from: 1, offset: 1, events: 1 };
  for await (const doc of db.collection<Document>(COLLECTIONS.events).find({}, { projection }))
    n += isBucket(doc) ? (doc.events ?? doc.offset).length : 1;
  return n;
}

/** An event document has an offset; a bucket has a run (`from`) and an array per field. */
function isBucket(doc: Document): doc is BucketDoc {
  return typeof doc.from === 'number';
}
