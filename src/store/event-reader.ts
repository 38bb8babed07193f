/**
 * Stored events one by one, whichever layout stored them: an event document is one event, a
 * bucket (buckets.ts; it has `events`) is each of its events. What a user reads with `$unwind`
 * (docs/store.md), for the few readers of events themselves: recounts, comparisons with other
 * systems, exports. The API never reads events.
 */
import type { Db, Document } from 'mongodb';
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
  for await (const doc of db.collection<Document>(COLLECTIONS.events).find()) {
    if (Array.isArray(doc.events)) {
      for (const e of doc.events as Document[]) {
        yield {
          id: `${String(doc.topic)}/${Number(doc.partition)}/${Number(e.offset)}`,
          topic: doc.topic as string,
          partition: doc.partition as number,
          offset: e.offset as number,
          ts: e.ts as Date,
          ip: e.ip as string,
          errorCode: e.errorCode as number,
          ...(e.extra === undefined ? {} : { extra: e.extra as Record<string, unknown> }),
        };
      }
      continue;
    }
    yield {
      id: String(doc._id),
      topic: doc.topic as string,
      partition: doc.partition as number,
      offset: doc.offset as number,
      ts: doc.ts as Date,
      ip: doc.ip as string,
      errorCode: doc.errorCode as number,
      ...(doc.extra === undefined ? {} : { extra: doc.extra as Record<string, unknown> }),
    };
  }
}

/** How many events are stored (a scan: the events of every bucket, or the documents). */
export async function countStoredEvents(db: Db): Promise<number> {
  let n = 0;
  for await (const doc of db.collection<Document>(COLLECTIONS.events).find({}, { projection: { events: 1 } }))
    n += Array.isArray(doc.events) ? doc.events.length : 1;
  return n;
}
