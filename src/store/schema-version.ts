/**
 * The schema version a database was written with, recorded once in `meta` (`schema`), so that
 * writers of different ipstream versions never share a database in a way that corrupts it.
 *
 * Version 1 (no record) allocated device ids from a counter (`device-ids`, `$inc`), which is not
 * atomic on FerretDB. Version 2 claims ids a block at a time by inserting a document per block
 * (id-blocks.ts). The two cannot share a database: recording version 2 retires the old counter
 * (its `next` becomes text, so an older writer's `$inc` fails instead of handing out ids again),
 * and starts the new blocks a whole id chunk above every id the old counter gave out.
 *
 * A version 2 writer refuses to start on a database of a newer version, and refuses to record
 * version 2 while an older writer is visibly writing (the old counter or the totals move).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection, Db, Document } from 'mongodb';
import { LayoutMismatchError, LegacyWriterError, SchemaVersionError } from '../errors/index.ts';
import { decodeChunkTops, decodeCounts } from '../sketch/index.ts';
import { ALL_TIME_ID, countsId, TOTALS_ID } from './levels.ts';
import { COLLECTIONS, type CountsDoc, type DeviceDoc, type HeadDoc, type TotalsDoc } from './schema.ts';
import { SERVER_CODES, serverCode } from './server-codes.ts';

/** The schema this ipstream writes. */
export const SCHEMA_VERSION = 2;

/** How the events themselves can be stored (EVENTS_LAYOUT); fixed for the life of a database. */
export const EVENTS_LAYOUTS = ['documents', 'buckets'] as const;
export type EventsLayout = (typeof EVENTS_LAYOUTS)[number];

export interface SchemaDoc extends Document {
  _id: 'schema';
  version: number;
  layout: EventsLayout;
  /** The first device id of block 0 (id-blocks.ts): above every id a version 1 counter gave out. */
  deviceIdBase: number;
  recordedAt: Date;
}

const SCHEMA_ID = 'schema';
/** The version 1 counter, kept retired so that an older writer cannot allocate from it. */
export const LEGACY_COUNTER_ID = 'device-ids';
const RETIRED = 'retired: since schema 2, device ids are claimed a block at a time (meta device-ids/<k>)';

interface LegacyCounterDoc extends Document {
  _id: string;
  /** A number while version 1 writers used it; RETIRED text once version 2 was recorded. */
  next: number | string;
  /** The counter's last value, kept when it was retired. */
  legacyNext?: number;
}

/** Device ids are grouped in chunks of 2^16 (levels.ts); new blocks start on a chunk of their own. */
const ID_CHUNK = 1 << 16;

export interface SchemaOptions {
  /** How long to watch a version 1 database for writers before recording version 2. */
  quietMs?: number;
  /**
   * The layout this writer stores events in: recorded for a new database, refused on one recorded
   * with the other (unset: whatever the database records).
   */
  layout?: EventsLayout;
}

/**
 * The database's schema record, written if missing (a new database, or one of version 1, which is
 * migrated). Throws when the database was written by a newer ipstream, or when a version 1 writer is
 * still writing to it.
 */
export async function recordedSchema(db: Db, options: SchemaOptions = {}): Promise<SchemaDoc> {
  const meta = db.collection<SchemaDoc>(COLLECTIONS.meta);
  const recorded = await meta.findOne({ _id: SCHEMA_ID });
  if (recorded !== null) return checked(db, recorded, options.layout);

  const counters = db.collection<LegacyCounterDoc>(COLLECTIONS.meta);
  const counter = await counters.findOne({ _id: LEGACY_COUNTER_ID });
  const devices = db.collection<DeviceDoc>(COLLECTIONS.devices);
  const hasDevices = (await devices.findOne({}, { projection: { _id: 1 } })) !== null;
  let base = 0;
  let legacyNext = 0;
  if (counter !== null || hasDevices) {
    if (options.layout === 'buckets') {
      throw new LayoutMismatchError(
        `database ${db.databaseName} stores events as documents (written before schema 2); EVENTS_LAYOUT=buckets cannot start on it: set EVENTS_LAYOUT=documents, or use another MONGODB_DB`,
      );
    }
    if (typeof counter?.next === 'number')
      await assertNoLegacyWriter(db, counter.next, options.quietMs ?? 2000);
    legacyNext = typeof counter?.next === 'number' ? counter.next : (counter?.legacyNext ?? 0);
    // One scan, once per database: the highest id any device holds.
    const highest = await devices
      .find({}, { projection: { n: 1 } })
      .sort({ n: -1 })
      .limit(1)
      .toArray();
    const used = Math.max(legacyNext, (highest[0]?.n ?? -1) + 1);
    base = Math.ceil((used + ID_CHUNK) / ID_CHUNK) * ID_CHUNK;
    await countAllTimeDevicesByChunk(db);
  }
  await retireLegacyCounter(counters, legacyNext);
  try {
    await meta.insertOne({
      _id: SCHEMA_ID,
      version: SCHEMA_VERSION,
      layout: options.layout ?? 'documents',
      deviceIdBase: base,
      recordedAt: new Date(),
    });
  } catch (error) {
    // Another writer recorded it first: theirs stands (computed from the same database).
    if (serverCode(error) !== SERVER_CODES.DuplicateKey) throw error;
  }
  const stored = await meta.findOne({ _id: SCHEMA_ID });
  if (stored === null) throw new SchemaVersionError('the schema record was written but cannot be read');
  return checked(db, stored, options.layout);
}

function checked(db: Db, doc: SchemaDoc, layout: EventsLayout | undefined): SchemaDoc {
  if (doc.version > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `this database was written with schema version ${doc.version} by a newer ipstream; this one knows up to ${SCHEMA_VERSION}: upgrade it`,
    );
  }
  if (layout !== undefined && doc.layout !== layout) {
    throw new LayoutMismatchError(
      `database ${db.databaseName} stores events as ${doc.layout}, fixed when it was first written; EVENTS_LAYOUT=${layout} cannot start on it: set EVENTS_LAYOUT=${doc.layout}, or use another MONGODB_DB`,
    );
  }
  return doc;
}

/**
 * A version 1 writer moves the old counter when it meets new devices and the totals with every
 * batch: if either moves while we watch, one is running, and recording version 2 beside it would
 * leave it allocating ids from a counter nobody else reads.
 */
async function assertNoLegacyWriter(db: Db, counterNext: number, quietMs: number): Promise<void> {
  const rollups = db.collection<TotalsDoc>(COLLECTIONS.rollups);
  const counters = db.collection<LegacyCounterDoc>(COLLECTIONS.meta);
  const totalsBefore = (await rollups.findOne({ _id: TOTALS_ID }, { projection: { v: 1 } }))?.v ?? 0;
  await sleep(quietMs);
  const counterAfter = (await counters.findOne({ _id: LEGACY_COUNTER_ID }))?.next;
  const totalsAfter = (await rollups.findOne({ _id: TOTALS_ID }, { projection: { v: 1 } }))?.v ?? 0;
  if (counterAfter !== counterNext || totalsAfter !== totalsBefore) {
    throw new LegacyWriterError(
      `an older ipstream (schema 1) is writing to database ${db.databaseName}: stop every older ingest and dead-letters replay process, then start this version`,
    );
  }
}

/**
 * Schema 2 keeps, in the all-time head, how many devices each id chunk's counts hold, and counts
 * devices as their sum: recomputed here once from the chunks themselves.
 */
async function countAllTimeDevicesByChunk(db: Db): Promise<void> {
  const rollups = db.collection<HeadDoc>(COLLECTIONS.rollups);
  const head = await rollups.findOne({ _id: ALL_TIME_ID });
  if (head === null || head.chunkDevices !== undefined) return;
  const chunkDevices: number[] = [];
  for (const chunk of decodeChunkTops(head.tops.buffer).keys()) {
    const doc = (await rollups.findOne({ _id: countsId(ALL_TIME_ID, chunk) })) as CountsDoc | null;
    while (chunkDevices.length <= chunk) chunkDevices.push(0);
    chunkDevices[chunk] = doc === null ? 0 : decodeCounts(doc.counts.buffer).ids.length;
  }
  await rollups.updateOne(
    { _id: ALL_TIME_ID },
    { $set: { chunkDevices, unique: chunkDevices.reduce((a, b) => a + b, 0), v: head.v + 1 } },
  );
}

async function retireLegacyCounter(
  counters: Collection<LegacyCounterDoc>,
  legacyNext: number,
): Promise<void> {
  try {
    await counters.replaceOne({ _id: LEGACY_COUNTER_ID }, { next: RETIRED, legacyNext }, { upsert: true });
  } catch (error) {
    // Two writers recording the schema at once both upsert it; the other's is the same.
    if (serverCode(error) !== SERVER_CODES.DuplicateKey) throw error;
  }
}
