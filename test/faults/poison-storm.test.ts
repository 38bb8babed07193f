import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import { createEventGenerator } from '../../src/events/index.ts';
import { EventProducer, type OutgoingRecord, TopicAdmin } from '../../src/kafka/index.ts';
import { COLLECTIONS } from '../../src/store/index.ts';
import { envFor, killChildren, startCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { assertExactTotals, report, waitForCatchUp } from '../support/faults.ts';
import { POISON_KINDS, poisonRecords } from '../support/poison.ts';
import { withDb } from '../support/recount.ts';

// Half of the stream is malformed, in 30 ways (oversized values, invalid UTF-8, bad JSON, wrong
// types, bad addresses and timestamps, missing fields, arrays, nulls, huge numbers): every bad
// record becomes a dead letter with its reason, every good one is stored, and the good records
// go through at a rate comparable to a clean stream of the same good records, measured here.
const GOOD = 6000;
const clean = testConfig('fault-clean');
const storm = testConfig('fault-poison');

after(async () => {
  killChildren();
  for (const config of [clean, storm]) {
    const admin = new TopicAdmin(config.kafka);
    await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
    await admin.close();
    await dropDatabase(config);
  }
});

function goodRecords(): OutgoingRecord[] {
  // Few devices over two minutes: cheap rollups, so the store is not all the measurement shows.
  const generator = createEventGenerator({ seed: 71, devices: 100, spreadMs: 120_000 });
  return Array.from({ length: GOOD }, () => {
    const { key, value } = generator.next();
    return { key, value };
  });
}

/** Sends in chunks under the broker's 1 MB batch limit (oversized poison values are 70-200 KB). */
async function sendAll(config: Config, records: OutgoingRecord[]): Promise<void> {
  const producer = new EventProducer(config.kafka, 'fault-poison');
  try {
    let chunk: OutgoingRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      const size = r.value.length;
      if (chunk.length > 0 && (chunk.length >= 500 || bytes + size > 512 * 1024)) {
        await producer.send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(r);
      bytes += size;
    }
    await producer.send(chunk);
  } finally {
    await producer.close();
  }
}

/**
 * Ingests the backlog with one process of two workers; returns the seconds until all is stored and
 * committed. Committed too: a partition that moved while its last batch was stored is committed by
 * its new owner, after the counts are already complete.
 */
async function ingestSeconds(config: Config, expected: { events: number; deadLetters: number }) {
  const started = performance.now();
  const ingest = startCli(['ingest', '--workers', '2'], envFor(config));
  const admin = new TopicAdmin(config.kafka);
  await waitForCatchUp(admin, config, expected, 180_000).finally(() => admin.close());
  const seconds = (performance.now() - started) / 1000;
  ingest.child.kill('SIGTERM');
  const exit = await ingest.exited;
  assert.equal(exit.code, 0, exit.stderr);
  return seconds;
}

test('a poison storm: half the records malformed in 30 ways, each dead-lettered with its reason', async () => {
  const good = goodRecords();
  const poison = poisonRecords(GOOD);
  // Interleaved one for one, so bad records sit between good ones in every partition.
  const stormRecords = good.flatMap((g, i) => [g, poison[i]!]);
  for (const config of [clean, storm]) {
    const admin = new TopicAdmin(config.kafka);
    await admin.create(config.kafka.topic, 4).finally(() => admin.close());
  }
  await sendAll(clean, good);
  await sendAll(storm, stormRecords);

  const cleanSeconds = await ingestSeconds(clean, { events: GOOD, deadLetters: 0 });
  const stormSeconds = await ingestSeconds(storm, { events: GOOD, deadLetters: GOOD });

  await withDb(storm, async (db) => {
    const dead = await db
      .collection(COLLECTIONS.deadLetters)
      .find({}, { projection: { key: 1, reason: 1, valueBytes: 1 } })
      .toArray();
    const byKind = new Map<string, number>();
    for (const d of dead) {
      const name = String(d.key).split('/')[1]!;
      const kind = POISON_KINDS.find((k) => k.name === name);
      assert.ok(kind, `dead letter ${String(d._id)} is one of ours (key ${String(d.key)})`);
      assert.equal(d.reason, kind.reason, `reason of a ${name} record`);
      if (kind.reason === 'OVERSIZED') assert.ok((d.valueBytes as number) > 65_536, 'size kept');
      byKind.set(name, (byKind.get(name) ?? 0) + 1);
    }
    for (const kind of POISON_KINDS) {
      const sent = poison.filter((p) => p.kind === kind).length;
      assert.equal(byKind.get(kind.name), sent, `every ${kind.name} record dead-lettered`);
    }
  });
  for (const config of [clean, storm]) {
    const admin = new TopicAdmin(config.kafka);
    const deadLetters = config === storm ? GOOD : 0;
    await assertExactTotals(admin, config, { events: GOOD, deadLetters }).finally(() => admin.close());
  }

  const cleanRate = GOOD / cleanSeconds;
  const stormRate = GOOD / stormSeconds;
  report('poison-storm', {
    goodRecords: GOOD,
    poisonRecords: GOOD,
    kinds: POISON_KINDS.length,
    cleanGoodPerSec: Math.round(cleanRate),
    stormGoodPerSec: Math.round(stormRate),
    ratio: Number((stormRate / cleanRate).toFixed(2)),
  });
  // A sanity bound only (timings on a shared 2-core machine vary): bad records must not make the
  // good ones crawl.
  assert.ok(
    stormRate > cleanRate / 5,
    `good records ${stormRate.toFixed(0)}/s vs ${cleanRate.toFixed(0)}/s clean`,
  );
});
