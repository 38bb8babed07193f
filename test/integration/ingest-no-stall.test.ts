import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runIngest } from '../../src/app/index.ts';
import { EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import type { WorkerStats } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { runProducer, syntheticRecords } from '../../src/producer/index.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';

// Issue 22: a fresh group of two workers draining a backlog of a fresh topic. The progress line
// stayed at `consumed 139065 stored 44065 ... buffered 0` for 15-20 s: 95,000 records read and
// shown nowhere, waiting in flushes that had taken each worker's whole backlog (up to 100,000
// records) and took that long to write, one after the other under the store's lease.
//
// The workers' counters are sampled while they drain. Every record read must be accounted for at
// every sample (buffered, being written, stored, a duplicate, a dead letter, left to the member its
// partition moved to, or left out to be read again), and no stretch of more than 3 s may pass in
// which records were read and are waiting while nothing is buffered and nothing gets stored.
//
// Nor may the rebalance store records twice past one small flush: the first worker to join had
// read whole partitions of the second and was storing them in one flush when they moved, and the
// second read them again (39,065 stored twice in 7 of 10 drains, 15-17 s against 10 s without).

const EVENTS = 100_000;
const PARTITIONS = 5;
const STALL_MS = 3_000;

const base = testConfig('no-stall');
const config = { ...base, logLevel: 'silent' as const };
const admin = new TopicAdmin(config.kafka);

after(async () => {
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config).catch(() => undefined);
});

interface Sample {
  at: number;
  consumed: number;
  buffered: number;
  writing: number;
  /** Stored, duplicates and dead letters: records whose flush finished. */
  settled: number;
  /** Left to other members, or left out of a batch to be read again. */
  left: number;
  /** Of settled, those found stored already. */
  duplicates: number;
}

function sample(stats: WorkerStats[]): Sample {
  const s: Sample = {
    at: Date.now(),
    consumed: 0,
    buffered: 0,
    writing: 0,
    settled: 0,
    left: 0,
    duplicates: 0,
  };
  for (const w of stats) {
    s.consumed += w.consumed;
    s.buffered += w.buffered;
    s.writing += w.writing;
    s.settled += w.stored + w.duplicates + w.deadLetters;
    s.left += w.droppedForRebalance + w.readAgain;
    s.duplicates += w.duplicates;
  }
  return s;
}

/** Records read and shown nowhere: not buffered, not being written, not settled, not left. */
const unaccounted = (s: Sample): number => s.consumed - s.buffered - s.writing - s.settled - s.left;

/**
 * Stretches of more than `limitMs` in which nothing was buffered and nothing got stored while
 * records were read meanwhile or waited unaccounted for.
 */
function stalls(samples: Sample[], limitMs: number): string[] {
  const found: string[] = [];
  let start = 0;
  for (let i = 1; i <= samples.length; i++) {
    const s = samples[i];
    const first = samples[start]!;
    const still = s !== undefined && s.buffered === 0 && first.buffered === 0 && s.settled === first.settled;
    if (still) continue;
    const last = samples[i - 1]!;
    const waiting = last.consumed > first.consumed || unaccounted(first) > 0 || unaccounted(last) > 0;
    if (waiting && last.at - first.at > limitMs) {
      found.push(
        `${last.at - first.at} ms at consumed ${first.consumed}..${last.consumed}, settled ${first.settled}, ` +
          `buffered 0, writing ${first.writing}..${last.writing}, unaccounted ${unaccounted(first)}..${unaccounted(last)}`,
      );
    }
    start = i;
  }
  return found;
}

test('a fresh group drains a backlog without records waiting unseen at its rebalance', async () => {
  await admin.create(config.kafka.topic, PARTITIONS);
  const producer = new EventProducer(config.kafka, 'no-stall-producer');
  const sent = await runProducer(producer, syntheticRecords({ count: EVENTS, devices: 10_000, seed: 42 }), {
    rate: 0,
  }).finally(() => producer.close());
  assert.equal(sent.sent, EVENTS);

  const ingest = await runIngest(config, { log: createLogger('silent', 'test') });
  const samples: Sample[] = [];
  const sampler = setInterval(() => samples.push(sample(ingest.pool.allStats())), 200);
  try {
    await eventually(
      async () => {
        const d = await admin.describe(config.kafka.topic, config.kafka.group);
        return d.totalLag === 0 && d.partitions.every((p) => p.end > 0 && p.committed === p.end);
      },
      600_000,
      'every record committed',
    );
  } finally {
    clearInterval(sampler);
    await ingest.stop();
  }
  samples.push(sample(ingest.pool.allStats()));

  const unexplained = samples.filter((s) => unaccounted(s) !== 0);
  const problems = [
    ...(unexplained.length === 0
      ? []
      : [
          `${unexplained.length} of ${samples.length} samples had records read and shown nowhere, first at ` +
            `consumed ${unexplained[0]!.consumed}: ${unaccounted(unexplained[0]!)} records`,
        ]),
    ...stalls(samples, STALL_MS).map((s) => `records waited unstored with nothing buffered for ${s}`),
  ];
  assert.deepEqual(problems, []);
  const last = samples.at(-1)!;
  assert.ok(last.settled >= EVENTS, `${last.settled} of ${EVENTS} stored`);
  assert.ok(
    last.duplicates <= config.ingest.flushCount,
    `${last.duplicates} records stored twice; at most one settling flush (${config.ingest.flushCount}) may be`,
  );
});
