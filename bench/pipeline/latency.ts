/**
 * The steady-rate run of the pipeline benchmark: events produced at a fixed rate into a running end
 * to end child, each stamped with `sent_at`; latency is the time a record is first counted by the
 * read model (its partition's mark in the totals document has passed it) minus its sent_at.
 */
import { performance } from 'node:perf_hooks';
import type { Collection } from 'mongodb';
import { partitionKey, recordId } from '../../src/events/index.ts';
import { EventProducer } from '../../src/kafka/index.ts';
import { runProducer } from '../../src/producer/index.ts';
import {
  type BucketDoc,
  COLLECTIONS,
  eventBucketId,
  type EventsLayout,
  TOTALS_ID,
  type TotalsDoc,
} from '../../src/store/index.ts';
import { percentile } from '../../src/query/index.ts';
import { stampedRecords } from './data.ts';
import type { BatchSetting } from './protocol.ts';
import { cpuBetween, emptyRow, type PipelineBenchRow, round, withCpu, withSizes } from './row.ts';
import {
  type Context,
  childResult,
  dropDb,
  failed,
  freshDb,
  runConfig,
  sampleServers,
  spawnChild,
  waitReady,
  withServerUsage,
} from './runs.ts';

export const LATENCY_POLL_MS = 50;

/** Records read for their sent_at per partition and poll, of those counted since the last poll. */
const SAMPLED_PER_POLL = 8;

interface LatencyDoc {
  _id: string;
  extra?: { sent_at?: unknown };
}

type LatencyBucket = Pick<BucketDoc, '_id' | 'to' | 'offset' | 'extra'>;

/** The sent_at of records by partition and offset, read by _id alone in either events layout. */
type SentAtReader = (partition: number, offsets: readonly number[]) => Promise<(number | undefined)[]>;

const sentAtOf = (doc: { extra?: { sent_at?: unknown } } | null | undefined): number | undefined =>
  typeof doc?.extra?.sent_at === 'number' ? doc.extra.sent_at : undefined;

/** Documents layout: each record's event document, by its record id. */
function documentReader(events: Collection<LatencyDoc>, topic: string): SentAtReader {
  return async (partition, offsets) => {
    const out: (number | undefined)[] = [];
    for (const offset of offsets)
      out.push(
        sentAtOf(
          await events.findOne({ _id: recordId(topic, partition, offset) }, { projection: { extra: 1 } }),
        ),
      );
    return out;
  };
}

/**
 * Buckets layout: a partition's buckets follow each other (the next starts one past the last's
 * `to`, from offset 0), so each is read once, by _id, as the marks pass it.
 */
function bucketReader(events: Collection<LatencyBucket>, topic: string, partitions: number): SentAtReader {
  const next = new Array<number>(partitions).fill(0);
  const held = Array.from({ length: partitions }, () => new Map<number, number | undefined>());
  return async (partition, offsets) => {
    const last = Math.max(...offsets);
    while (next[partition]! <= last) {
      const bucket = await events.findOne(
        { _id: eventBucketId(topic, partition, next[partition]!) },
        // Whole `extra`: projecting a field inside it would drop the nulls that keep positions.
        { projection: { to: 1, offset: 1, extra: 1 } },
      );
      if (bucket === null) break;
      bucket.offset.forEach((offset, i) =>
        held[partition]!.set(offset, sentAtOf({ extra: bucket.extra?.[i] ?? undefined })),
      );
      next[partition] = bucket.to + 1;
    }
    const found = offsets.map((o) => held[partition]!.get(o));
    // The marks only move on: what they have passed is never asked for again.
    for (const offset of held[partition]!.keys()) if (offset <= last) held[partition]!.delete(offset);
    return found;
  };
}

/** Up to `n` offsets spread evenly over [from, to], both ends included. */
function spread(from: number, to: number, n: number): number[] {
  if (to - from + 1 <= n) return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / (n - 1))))];
}

/**
 * Polls the totals document (by _id) for how far the read model counts each partition, and reads a
 * sample of the records counted since the last poll by _id for their sent_at, until `expected()`
 * records are counted or the deadline. Only exact _id reads: FerretDB answers them from SQLite's
 * primary key, while an `$in` of ids scans every event (3.6 s a poll at 120,000 events, which the
 * probe then measured instead of the pipeline).
 */
async function pollLatencies(
  rollups: Collection<TotalsDoc>,
  sentAt: SentAtReader,
  topic: string,
  partitions: number,
  expected: () => number,
  deadline: number,
): Promise<{ latencies: number[]; counted: number; polls: number; pollMs: number }> {
  let polls = 0;
  let pollMs = 0;
  const counted = new Array<number>(partitions).fill(0);
  const latencies: number[] = [];
  const total = (): number => counted.reduce((a, b) => a + b, 0);
  while (total() < expected() && Date.now() < deadline) {
    const asked = performance.now();
    const totals = await rollups.findOne({ _id: TOTALS_ID });
    const seenAt = Date.now();
    for (let p = 0; p < partitions; p++) {
      const through = totals?.hw[partitionKey(topic, p)];
      if (through === undefined || through + 1 <= counted[p]!) continue;
      for (const sent of await sentAt(p, spread(counted[p]!, through, SAMPLED_PER_POLL)))
        if (sent !== undefined) latencies.push(seenAt - sent);
      counted[p] = through + 1;
    }
    polls++;
    pollMs += performance.now() - asked;
    await new Promise((r) => setTimeout(r, LATENCY_POLL_MS));
  }
  return { latencies, counted: total(), polls, pollMs };
}

export async function latencyRun(
  ctx: Context,
  workers: number,
  batch: BatchSetting,
  rate: number,
  seconds: number,
  layout: EventsLayout,
): Promise<{ row: PipelineBenchRow; note: string | null }> {
  const row = emptyRow('latency', workers, batch, null, layout);
  const topic = `${ctx.topic}-rate-${layout}`;
  ctx.topics.push(topic);
  await ctx.admin.create(topic, ctx.partitions);
  const config = runConfig(ctx, 'latency', workers, batch, { db: freshDb(ctx), layout }, topic);
  const child = spawnChild({ mode: 'e2e', config, workers });
  const producer = new EventProducer({ ...ctx.config.kafka, topic }, 'bench-latency');
  let note: string | null = null;
  try {
    await waitReady(ctx, child);
    const from = child.sample();
    const serversFrom = sampleServers(ctx);
    const db = ctx.mongo.client.db(config.mongo.db);
    let sent = 0;
    let producing = true;
    const polled = pollLatencies(
      db.collection<TotalsDoc>(COLLECTIONS.rollups),
      layout === 'buckets'
        ? bucketReader(db.collection<LatencyBucket>(COLLECTIONS.events), topic, ctx.partitions)
        : documentReader(db.collection<LatencyDoc>(COLLECTIONS.events), topic),
      topic,
      ctx.partitions,
      () => (producing ? Infinity : sent),
      Date.now() + seconds * 1000 + 120_000,
    );
    const count = Math.max(1, Math.round(rate * seconds));
    const summary = await runProducer(producer, stampedRecords({ ...ctx.stream, count }), { rate });
    sent = summary.sent;
    producing = false;
    const { latencies, counted, polls, pollMs } = await polled;
    note = `latency: ${latencies.length} of ${counted} counted records sampled over ${polls} polls of the totals' marks, ${Math.round(pollMs / Math.max(1, polls))} ms each on average`;
    const cpuMs = cpuBetween(from, child.sample());
    withServerUsage(row, serversFrom, sampleServers(ctx));
    row.events = counted;
    row.seconds = round(summary.elapsedMs / 1000, 3);
    row.eventsPerSec = Math.round(summary.recordsPerSec);
    const sorted = [...latencies].sort((a, b) => a - b);
    const [p50, p99] = [percentile(sorted, 50), percentile(sorted, 99)];
    row.p50Ms = p50 === null ? null : Math.round(p50);
    row.p99Ms = p99 === null ? null : Math.round(p99);
    if (cpuMs !== null) withCpu(row, cpuMs);
    if (counted < sent) row.error = `counted ${counted} of ${sent} events`;
    child.child.stdin?.write('stop\n');
    const result = await childResult(child, 60_000);
    row.peakRssMb = round(result.maxRssKb / 1024, 1);
    withSizes(row, result.sizes);
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    child.kill();
    await producer.close().catch(() => undefined);
    await dropDb(ctx, config.mongo.db);
  }
  return { row, note };
}
