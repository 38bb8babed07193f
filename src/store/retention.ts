/**
 * Event retention: deletes the events stored more than the retention ago, by the hour they were
 * stored in, oldest first, in bounded steps. The read model (rollups, totals, device details) is
 * kept: answers over an expired range stay what they were while its events were stored. Only event
 * documents go; dead letters stay until replayed.
 *
 * Which events an hour stored is in its stored log (`stored:<hour>`: per topic-partition, an
 * offset range; see rollup-plan.ts), so the deletes are by _id and never scan. Progress is kept in
 * `meta` (`retention`), so a step cut short resumes where it stopped; deleting again is harmless.
 */
import type { Collection, Db } from 'mongodb';
import { partitionKey, recordId } from '../events/index.ts';
import type { StoreProfile } from './backend.ts';
import { eventBucketId } from './buckets.ts';
import { recordLogId, RecordLogView } from './decisions.ts';
import { deleteByIds, readByIds } from './docs.ts';
import { HOUR_MS, TOTALS_ID, bucketStart, storedLogId } from './levels.ts';
import { COLLECTIONS, type Guarded, type StoredLogDoc, type TotalsDoc } from './schema.ts';
import { recordedSchema } from './schema-version.ts';

const MAX_HOURS_PER_STEP = 500;

interface CursorDoc {
  _id: 'retention';
  /** The hour being expired (epoch ms), and how far into its runs of ids (see below). */
  hour: number;
  range: number;
  /** Position in the run, from its start. */
  offset: number | null;
}

export interface RetentionStep {
  /** Event documents deleted in this step. */
  deleted: number;
  /** Hours whose events are all gone. */
  hoursExpired: number;
  /** Nothing left that is older than the retention. */
  caughtUp: boolean;
}

export interface RetentionOptions {
  retentionMs: number;
  /** The most event deletes one step may send. */
  maxDeletes: number;
  now?: number;
}

export async function expireEvents(
  db: Db,
  profile: StoreProfile,
  options: RetentionOptions,
): Promise<RetentionStep> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.retentionMs;
  const meta = db.collection<CursorDoc>(COLLECTIONS.meta);
  const rollups = db.collection<StoredLogDoc | TotalsDoc>(COLLECTIONS.rollups);
  const events = db.collection<{ _id: string }>(COLLECTIONS.events);
  let cursor = await meta.findOne({ _id: 'retention' });
  if (cursor === null) {
    const totals = (await rollups.findOne({ _id: TOTALS_ID })) as TotalsDoc | null;
    const first = totals?.firstStoredAt?.getTime();
    if (first === undefined) return { deleted: 0, hoursExpired: 0, caughtUp: true };
    cursor = { _id: 'retention', hour: bucketStart('hour', first), range: 0, offset: null };
  }
  const step: RetentionStep = { deleted: 0, hoursExpired: 0, caughtUp: false };
  const { layout } = await recordedSchema(db);
  // Bounded in hours too: a long quiet spell is an hour of point reads apiece.
  for (let hours = 0; cursor.hour + HOUR_MS <= cutoff; hours++) {
    if (hours >= MAX_HOURS_PER_STEP) {
      await save(meta, cursor);
      return step;
    }
    const log = (await rollups.findOne({ _id: storedLogId(cursor.hour) })) as StoredLogDoc | null;
    // The hour's events as runs of ids: a run per partition range, then those replays stored. A
    // range spans its partition's dead letters too; those a replay stored as events since belong to
    // the replay's hour, and stay until it expires.
    const records = new RecordLogs(db, profile);
    const runs: { length: number; ids: (from: number, to: number) => Promise<string[]> }[] = (
      log?.ranges ?? []
    ).map((r) => ({
      length: r.to - r.from + 1,
      ids: async (from, to) => {
        const offsets = Array.from({ length: to - from + 1 }, (_, i) => r.from + from + i);
        const pk = partitionKey(r.topic, r.partition);
        // Buckets layout: the buckets whose runs hold these offsets (each stored whole in one hour).
        if (layout === 'buckets') return records.buckets(r.topic, r.partition, offsets);
        const replayed = await records.replayed(pk, offsets);
        return offsets.filter((o) => !replayed.has(o)).map((o) => recordId(r.topic, r.partition, o));
      },
    }));
    const replays = log?.replays ?? [];
    if (replays.length > 0)
      runs.push({ length: replays.length, ids: async (from, to) => replays.slice(from, to + 1) });
    for (; cursor.range < runs.length; cursor.range++, cursor.offset = null) {
      const run = runs[cursor.range]!;
      for (let from = cursor.offset ?? 0; from < run.length;) {
        const budget = options.maxDeletes - step.deleted;
        if (budget <= 0) {
          cursor.offset = from;
          await save(meta, cursor);
          return step;
        }
        const to = Math.min(run.length - 1, from + budget - 1);
        const ids = await run.ids(from, to);
        await deleteByIds(events, ids, profile);
        // Counted as the run's length, found or not: an offset of a dead letter, or one deleted
        // before, costs the same statement.
        step.deleted += to - from + 1;
        from = to + 1;
      }
    }
    if (log !== null) await rollups.deleteOne({ _id: log._id });
    step.hoursExpired++;
    cursor = { _id: 'retention', hour: cursor.hour + HOUR_MS, range: 0, offset: null };
    await save(meta, cursor);
  }
  step.caughtUp = true;
  return step;
}

/** The record logs of one partition, read a block at a time as retention walks its offsets. */
class RecordLogs {
  readonly #rollups: Collection<Guarded>;
  readonly #profile: StoreProfile;

  constructor(db: Db, profile: StoreProfile) {
    this.#rollups = db.collection<Guarded>(COLLECTIONS.rollups);
    this.#profile = profile;
  }

  /** The ids of the buckets whose runs hold any of `offsets` (buckets layout). */
  async buckets(topic: string, partition: number, offsets: readonly number[]): Promise<string[]> {
    const pk = partitionKey(topic, partition);
    const ids = [...new Set(offsets.map((o) => recordLogId(pk, o)))];
    const view = new RecordLogView(await readByIds(this.#rollups, ids, this.#profile));
    const starts = new Set<number>();
    for (const o of offsets) {
      const from = view.bucketOf(pk, o);
      if (from !== undefined) starts.add(from);
    }
    return [...starts].map((from) => eventBucketId(topic, partition, from));
  }

  /** Of `offsets`, those a dead-letter replay stored as events. */
  async replayed(pk: string, offsets: readonly number[]): Promise<Set<number>> {
    const ids = [...new Set(offsets.map((o) => recordLogId(pk, o)))];
    const view = new RecordLogView(await readByIds(this.#rollups, ids, this.#profile));
    return new Set(offsets.filter((o) => view.form(pk, o) === 'replayed'));
  }
}

async function save(meta: Collection<CursorDoc>, cursor: CursorDoc): Promise<void> {
  await meta.replaceOne({ _id: 'retention' }, cursor, { upsert: true });
}
