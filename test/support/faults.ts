import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Config } from '../../src/config/index.ts';
import type { TopicAdmin } from '../../src/kafka/index.ts';
import {
  COLLECTIONS,
  countStoredEvents,
  storedEvents,
  TOTALS_ID,
  type TotalsDoc,
} from '../../src/store/index.ts';
import { eventually } from './config.ts';
import { assertRollupsMatchEvents, withDb } from './recount.ts';

// Shared by the fault-injection tests (test/faults): counting what is stored, waiting for the group
// to catch up, the exact-totals check every fault ends with, and a record of what was measured.

export interface StoredCounts {
  events: number;
  deadLetters: number;
}

/**
 * What the store's totals say is stored: one document, so that polling it while a fault test runs
 * costs the store nothing (counting a collection makes FerretDB read all of it, and a reader that
 * never stops keeps SQLite from checkpointing its WAL). The final checks count the collections.
 */
export function storedCounts(config: Config): Promise<StoredCounts> {
  return withDb(config, async (db) => {
    const totals = await db.collection<TotalsDoc>(COLLECTIONS.rollups).findOne({ _id: TOTALS_ID });
    return { events: totals?.events ?? 0, deadLetters: totals?.deadLetters ?? 0 };
  });
}

/** The events and dead letters in their collections, counted one by one. */
export function countedInStore(config: Config): Promise<StoredCounts> {
  return withDb(config, async (db) => ({
    events: await countStoredEvents(db),
    deadLetters: await db.collection(COLLECTIONS.deadLetters).countDocuments(),
  }));
}

/** Total lag of the group, or undefined while the broker does not answer. */
export async function totalLag(admin: TopicAdmin, config: Config): Promise<number | undefined> {
  try {
    return (await admin.describe(config.kafka.topic, config.kafka.group)).totalLag;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every record is stored and committed: lag 0 and the stored count as expected. On a
 * timeout it says which of the two broke: the events themselves (counted, with the offsets
 * missing) or only the rollups' totals.
 */
export async function waitForCatchUp(
  admin: TopicAdmin,
  config: Config,
  expected: StoredCounts,
  timeoutMs: number,
): Promise<void> {
  try {
    await eventually(
      async () => {
        if ((await totalLag(admin, config)) !== 0) return false;
        const stored = await storedCounts(config);
        return stored.events === expected.events && stored.deadLetters === expected.deadLetters;
      },
      timeoutMs,
      `lag 0 with ${expected.events} events and ${expected.deadLetters} dead letters stored`,
    );
  } catch (error) {
    const described = await admin.describe(config.kafka.topic, config.kafka.group);
    const diagnosis = {
      lag: described.totalLag,
      totals: await storedCounts(config),
      counted: await countedInStore(config),
      missing: await missingOffsets(
        config,
        described.partitions.map((p) => p.end),
      ),
    };
    throw new Error(`${(error as Error).message}: ${JSON.stringify(diagnosis)}`, { cause: error });
  }
}

/**
 * The end of every fault test: exactly the expected events and dead letters (none lost, none
 * doubled: ids are topic/partition/offset, so a count equal to what was produced means each record
 * once), every partition committed to its end, and rollups equal to a recount from the events.
 */
export async function assertExactTotals(
  admin: TopicAdmin,
  config: Config,
  expected: StoredCounts,
): Promise<void> {
  const described = await admin.describe(config.kafka.topic, config.kafka.group);
  assert.equal(described.totalEnd, expected.events + expected.deadLetters, 'records in the topic');
  assert.equal(described.totalLag, 0, 'every partition committed to its end');
  const stored = await countedInStore(config);
  if (stored.events !== expected.events || stored.deadLetters !== expected.deadLetters) {
    const gaps = await missingOffsets(
      config,
      described.partitions.map((p) => p.end),
    );
    assert.deepEqual(stored, expected, `offsets missing from the store: ${JSON.stringify(gaps)}`);
  }
  await withDb(config, assertRollupsMatchEvents);
}

/** Per partition, the offset ranges [from, to] below `ends` with neither an event nor a dead letter. */
export async function missingOffsets(config: Config, ends: number[]): Promise<Record<number, number[][]>> {
  return withDb(config, async (db) => {
    const gaps: Record<number, number[][]> = {};
    for (const [partition, end] of ends.entries()) {
      const seen = new Uint8Array(end);
      const docs = db.collection(COLLECTIONS.deadLetters).find({ partition }, { projection: { offset: 1 } });
      for await (const d of docs) seen[d.offset as number] = 1;
      for await (const e of storedEvents(db)) if (e.partition === partition) seen[e.offset] = 1;
      const ranges: number[][] = [];
      for (let o = 0; o < end; o++) {
        if (seen[o] === 1) continue;
        const last = ranges.at(-1);
        if (last !== undefined && last[1] === o - 1) last[1] = o;
        else ranges.push([o, o]);
      }
      if (ranges.length > 0) gaps[partition] = ranges;
    }
    return gaps;
  });
}

/** Prints a fault's measurements and keeps them in test-artifacts/faults/<name>.json. */
export function report(name: string, measured: Record<string, unknown>): void {
  const text = JSON.stringify(measured);
  process.stderr.write(`[fault ${name}] ${text}\n`);
  mkdirSync('test-artifacts/faults', { recursive: true });
  writeFileSync(`test-artifacts/faults/${name}.json`, JSON.stringify(measured, null, 2) + '\n');
}

/** Logs stored count and lag every few seconds while a fault test runs; returns a stop function. */
export function watchProgress(name: string, admin: TopicAdmin, config: Config, everyMs = 5000): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    void Promise.all([storedCounts(config).catch(() => undefined), totalLag(admin, config)]).then(
      ([stored, lag]) => {
        const at = ((Date.now() - started) / 1000).toFixed(0);
        process.stderr.write(`[fault ${name}] t=${at}s stored=${stored?.events ?? '?'} lag=${lag ?? '?'}\n`);
      },
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
