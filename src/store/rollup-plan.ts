/**
 * Pure planning of the rollup writes of one batch: which documents it touches, and their new
 * contents given what they hold now.
 *
 * Every rollup document carries, per topic-partition, the highest offset already applied to it
 * (`hw`), and a plan applies to each document only the batch's records above its own mark. So a
 * replayed, re-batched or concurrently delivered record is applied to each document once and only
 * once, whichever documents a crash left written. Documents that summarise others (a bucket's head
 * holds its children's series and its chunks' top lists) are computed from those others' new
 * contents, and are written after them (`phase`), so a crash between the two leaves a head that the
 * replay recomputes.
 */
import { InternalError } from '../errors/index.ts';
import { BucketCache, SUMMARY_LEVELS } from './levels.ts';
import { Planner } from './planner.ts';
import type { Guarded } from './schema.ts';
import {
  type CurrentDocs,
  deviceStatsEntries,
  onePerOffset,
  type PlannedWrite,
  type PlanScope,
  type RollupBatch,
  type RollupEvent,
} from './rollup-batch.ts';

export {
  type CurrentDocs,
  type DocRef,
  LATEST_DEAD_LETTERS,
  type PlannedWrite,
  REPLAY_PK,
  type PlanScope,
  type RollupBatch,
  type RollupCollection,
  type RollupDeadLetter,
  type RollupEvent,
  deviceStatsEntries,
  onePerOffset,
  toRollupEvent,
  touchedDocs,
} from './rollup-batch.ts';

/**
 * Plans the writes for `batch` against the current contents of every document in
 * touchedDocs(batch) (null where one does not exist yet), reading with `read` what only the plan
 * finds it needs (the pages of a bucket's error codes) and planning again. Documents with nothing
 * fresh are left alone.
 */
export async function planRollupsReading(
  batch: RollupBatch,
  current: CurrentDocs,
  read: (ids: string[]) => Promise<ReadonlyMap<string, Guarded | null>>,
  buckets = new BucketCache(),
  scope: PlanScope = {},
): Promise<PlannedWrite[]> {
  const known = new Map(current);
  for (;;) {
    const plan = new Planner(known, buckets);
    // Planning a large batch is seconds of CPU (3.1 s for 80k records from 1M devices); the
    // thread's Kafka heartbeats and its other consumers get a turn between steps.
    const steps = planSteps(batch, plan, buckets, scope);
    let since = performance.now();
    while (steps.next().done !== true) {
      if (performance.now() - since < STEP_MS) continue;
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    if (plan.missing.size === 0) return plan.writes;
    for (const [id, doc] of await read([...plan.missing])) known.set(id, doc);
  }
}

/** The longest planning runs before planRollupsReading lets the event loop take a turn (ms). */
const STEP_MS = 50;

/** planRollupsReading for callers that have every document at hand: pure, the same inputs give the same writes. */
export function planRollups(
  batch: RollupBatch,
  current: CurrentDocs,
  buckets = new BucketCache(),
  scope: PlanScope = {},
): PlannedWrite[] {
  const plan = new Planner(current, buckets);
  const steps = planSteps(batch, plan, buckets, scope);
  while (steps.next().done !== true);
  if (plan.missing.size > 0) {
    throw new InternalError(`planRollups: ${[...plan.missing][0]} was not read (use planRollupsReading)`);
  }
  return plan.writes;
}

/**
 * The device_stats writes of some of a batch's documents (from deviceStatsEntries), given their
 * current contents: pure. Nothing summarises them, so a slice can be written on its own.
 */
export function planDeviceStats(
  entries: Iterable<readonly [string, RollupEvent[]]>,
  current: CurrentDocs,
): PlannedWrite[] {
  const plan = new Planner(current, new BucketCache());
  for (const [id, list] of entries) plan.devices(id, list);
  return plan.writes;
}

/** Plans `batch` into `plan`, one document (or group of documents) a step. */
function* planSteps(
  batch: RollupBatch,
  plan: Planner,
  buckets: BucketCache,
  scope: PlanScope,
): Generator<void, void, undefined> {
  if ((batch.records?.length ?? 0) > 0 || (batch.replayedRecords?.length ?? 0) > 0)
    plan.recordLog(batch.records ?? [], batch.replayedRecords ?? [], batch.bucketRuns ?? []);
  // A batch can hold a record twice (its partition was fetched again while the first copy still
  // waited in the buffer): each offset counts once.
  const events = onePerOffset(batch.events);
  const deadLetters = onePerOffset(batch.deadLetters);
  // Events by minute once; coarser buckets are unions of their minutes.
  const byMinute = new Map<number, RollupEvent[]>();
  for (const e of events) {
    const minute = buckets.of(e.ts).starts.minute;
    const list = byMinute.get(minute);
    if (list === undefined) byMinute.set(minute, [e]);
    else list.push(e);
  }
  yield;
  for (const [minute, entries] of byMinute) {
    plan.minute(buckets.of(minute).ids.minute, minute, entries);
    yield;
  }
  for (const level of SUMMARY_LEVELS) {
    const byBucket = new Map<string, RollupEvent[]>();
    for (const [minute, entries] of byMinute) {
      const id = buckets.of(minute).ids[level];
      const list = byBucket.get(id);
      if (list === undefined) byBucket.set(id, [...entries]);
      else for (const e of entries) list.push(e);
    }
    for (const [id, entries] of byBucket) {
      plan.summary(level, id, buckets.of(entries[0]!.ts).starts[level], entries);
      yield;
    }
  }
  if (events.length > 0) plan.allTime(events);
  yield;
  if (scope.deviceStats !== false)
    for (const [id, entries] of deviceStatsEntries(events)) {
      plan.devices(id, entries);
      yield;
    }
  const replayed = onePerOffset(batch.replayedDeadLetters ?? []);
  plan.totals({ events, deadLetters, replayedDeadLetters: replayed, storedAt: batch.storedAt });
  if (events.length > 0) plan.storedLog(events, batch.storedAt);
  if (deadLetters.length > 0 || replayed.length > 0) plan.latestDeadLetters(deadLetters, replayed);
}
