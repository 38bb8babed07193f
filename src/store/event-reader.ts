/**
 * Stored events one by one, whichever layout stored them: an event document is one event, a
 * bucket (buckets.ts; it has `events`) is each of its events. What a user reads with `$unwind`
 * (docs/store.md), for the few readers of events themselves: recounts, comparisons with other
 * systems, exports. The API never reads events.
 */
import type { Db, Document } from 'mongodb';
import { recordId } from '../events/index.ts';
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
    if (Array.isArray(doc.events)) {
      for (const e of doc.events as Document[]) yield event(topic, partition, e.offset as number, e);
    } else yield event(topic, partition, doc.offset as number, doc);
  }
}

/** How many events are stored (a scan: the events of every bucket, or the documents). */
export async function countStoredEvents(db: Db): Promise<number> {
  let n = 0;
  for await (const doc of db.collection<Document>(COLLECTIONS.events).find({}, { projection: { events: 1 } }))
    n += Array.isArray(doc.events) ? doc.events.length : 1;
  return n;
}
