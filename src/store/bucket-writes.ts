/**
 * One round of deciding a batch in the buckets layout: what the record log decided already, and
 * for each partition's records past it, the buckets that decide them (buckets.ts). Runs inside the
 * rollup round, so on FerretDB under its lease and on MongoDB again after a conflict: a bucket
 * inserted in a round that lost is simply found again, whole, by the next.
 */
import type { Db } from 'mongodb';
import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import { IpstreamError } from '../errors/index.ts';
import type { StoreProfile } from './backend.ts';
import { type BucketDoc, bucketEvents, decideRun, eventBucketId, fromBucketEvent } from './buckets.ts';
import { type Classification, classify, recordLogId, RecordLogView } from './decisions.ts';
import { readByIds } from './docs.ts';
import { TOTALS_ID } from './levels.ts';
import { groupBy } from './rollup-batch.ts';
import { COLLECTIONS, type Guarded, type TotalsDoc } from './schema.ts';

export interface BucketRound {
  read: ReadonlyMap<string, Guarded | null>;
  classification: Classification;
  runs: { pk: string; from: number; to: number }[];
  /** Ids of the events in buckets this round inserted. */
  insertedIds: string[];
}

function lowest(records: readonly { offset: number }[]): number {
  let min = Infinity;
  for (const r of records) if (r.offset < min) min = r.offset;
  return min;
}

export async function decideBuckets(
  db: Db,
  profile: StoreProfile,
  batch: { events: readonly DeviceEvent[]; deadLetters: readonly DeadLetter[] },
  now: Date,
): Promise<BucketRound> {
  const records: (DeviceEvent | DeadLetter)[] = [...batch.events, ...batch.deadLetters];
  const byPartition = groupBy(records, (r) => partitionKey(r.topic, r.partition));
  // The record logs of the batch's offsets, and of the offset before each partition's first.
  const ids = new Set<string>([TOTALS_ID]);
  for (const [pk, list] of byPartition) {
    for (const r of list) ids.add(recordLogId(pk, r.offset));
    const first = lowest(list);
    if (first > 0) ids.add(recordLogId(pk, first - 1));
  }
  const rollups = db.collection<Guarded>(COLLECTIONS.rollups);
  const read = new Map(await readByIds(rollups, [...ids], profile));
  const log = new RecordLogView(read);
  const stored = (read.get(TOTALS_ID) as TotalsDoc | null)?.hw ?? {};
  const buckets = db.collection<BucketDoc>(COLLECTIONS.events);

  const decided: { events: DeviceEvent[]; deadLetters: DeadLetter[] } = { events: [], deadLetters: [] };
  const runs: BucketRound['runs'] = [];
  const insertedIds: string[] = [];
  for (const [pk, list] of byPartition) {
    const open: (DeviceEvent | DeadLetter)[] = [];
    for (const r of list) {
      if (log.form(pk, r.offset) === undefined) open.push(r);
      else if ('reason' in r) decided.deadLetters.push(r);
      else decided.events.push(r);
    }
    if (open.length === 0) continue;
    const first = lowest(open);
    // Decided through first - 1: the record before is decided, or the partition was never stored.
    const startsHere = first === 0 || log.form(pk, first - 1) !== undefined || stored[pk] === undefined;
    if (!startsHere) {
      throw new IpstreamError(
        'RECORDS_MISSING',
        `partition ${pk} is not stored through offset ${first - 1}, and this batch of it starts at ${first}: read it again from the committed offset`,
      );
    }
    // A run an earlier round took may hold it (that round's batch ended inside the run): take it again.
    const run = await decideRun(buckets, first - 1, open, now, log.bucketOf(pk, first));
    decided.events.push(...run.events);
    decided.deadLetters.push(...run.deadLetters);
    runs.push(...run.runs.map((r) => ({ pk, ...r })));
    insertedIds.push(...run.insertedIds);
  }
  let classification = classify(decided, { log, legacyMarks: {} });
  if (classification.storedEventsNeeded.length > 0) {
    // Records decided as events before, that this delivery decoded as dead letters: their buckets.
    const byId = new Map(decided.deadLetters.map((d) => [d.id, d]));
    const wanted = classification.storedEventsNeeded.map((id) => byId.get(id)!);
    const bucketIds = wanted.map((d) => {
      const from = log.bucketOf(partitionKey(d.topic, d.partition), d.offset);
      return from === undefined ? null : eventBucketId(d.topic, d.partition, from);
    });
    const docs = await readByIds(buckets, [...new Set(bucketIds.filter((id) => id !== null))], profile);
    // Each bucket's events by offset, read out of its arrays once however many of them are wanted.
    const held = new Map(
      [...docs].flatMap(([id, bucket]) =>
        bucket === null ? [] : [[id, new Map(bucketEvents(bucket).map((e) => [e.offset, e]))] as const],
      ),
    );
    const storedEvents = new Map(
      wanted.map((d, i) => {
        const bucket = bucketIds[i] === null ? null : (docs.get(bucketIds[i]!) ?? null);
        const e = bucket === null ? undefined : held.get(bucket._id)?.get(d.offset);
        return [
          d.id,
          bucket === null || e === undefined ? null : fromBucketEvent(bucket, e, d.bytes),
        ] as const;
      }),
    );
    classification = classify(decided, { log, legacyMarks: {}, storedEvents });
  }
  return { read, classification, runs, insertedIds };
}
