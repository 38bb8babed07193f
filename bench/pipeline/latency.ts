/**
 * The steady-rate run of the pipeline benchmark: events produced at a fixed rate into a running end
 * to end child, each stamped with `sent_at`; latency is the time a record is first found in the
 * events collection (polled by _id) minus its sent_at.
 */
import { performance } from 'node:perf_hooks';
import type { Collection } from 'mongodb';
import { recordId } from '../../src/events/index.ts';
import { EventProducer } from '../../src/kafka/index.ts';
import { runProducer } from '../../src/producer/index.ts';
import { COLLECTIONS } from '../../src/store/index.ts';
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

interface LatencyDoc {
  _id: string;
  extra?: { sent_at?: unknown };
}

/**
 * Polls the events collection for the records of `topic` by _id (the primary key), in windows
 * ahead of the next unseen offset of each partition, until `expected()` were seen or the deadline.
 */
async function pollLatencies(
  events: Collection<LatencyDoc>,
  topic: string,
  partitions: number,
  expected: () => number,
  deadline: number,
): Promise<{ latencies: number[]; polls: number; pollMs: number }> {
  const window = 400;
  let polls = 0;
  let pollMs = 0;
  const next = new Array<number>(partitions).fill(0);
  const ahead = Array.from({ length: partitions }, () => new Set<number>());
  const latencies: number[] = [];
  while (latencies.length < expected() && Date.now() < deadline) {
    const ids: string[] = [];
    for (let p = 0; p < partitions; p++) {
      for (let o = next[p]!; o < next[p]! + window; o++)
        if (!ahead[p]!.has(o)) ids.push(recordId(topic, p, o));
    }
    const asked = performance.now();
    const docs = await events.find({ _id: { $in: ids } }, { projection: { extra: 1 } }).toArray();
    const seenAt = Date.now();
    polls++;
    pollMs += performance.now() - asked;
    for (const doc of docs) {
      const [, p, o] = /\/(\d+)\/(\d+)$/.exec(doc._id) ?? [];
      const partition = Number(p);
      const offset = Number(o);
      const sentAt = doc.extra?.sent_at;
      const seen = ahead[partition];
      if (seen === undefined || seen.has(offset) || typeof sentAt !== 'number') continue;
      seen.add(offset);
      latencies.push(seenAt - sentAt);
    }
    for (let p = 0; p < partitions; p++) {
      while (ahead[p]!.has(next[p]!)) ahead[p]!.delete(next[p]!++);
    }
    if (docs.length < window / 2) await new Promise((r) => setTimeout(r, LATENCY_POLL_MS));
  }
  return { latencies, polls, pollMs };
}

export async function latencyRun(
  ctx: Context,
  workers: number,
  batch: BatchSetting,
  rate: number,
  seconds: number,
): Promise<{ row: PipelineBenchRow; note: string | null }> {
  const row = emptyRow('latency', workers, batch);
  const topic = `${ctx.topic}-rate`;
  ctx.topics.push(topic);
  await ctx.admin.create(topic, ctx.partitions);
  const config = runConfig(ctx, 'latency', workers, batch, freshDb(ctx), topic);
  const child = spawnChild({ mode: 'e2e', config, workers });
  const producer = new EventProducer({ ...ctx.config.kafka, topic }, 'bench-latency');
  let note: string | null = null;
  try {
    await waitReady(ctx, child);
    const from = child.sample();
    const serversFrom = sampleServers(ctx);
    const events = ctx.mongo.client.db(config.mongo.db).collection<LatencyDoc>(COLLECTIONS.events);
    let sent = 0;
    let producing = true;
    const polled = pollLatencies(
      events,
      topic,
      ctx.partitions,
      () => (producing ? Infinity : sent),
      Date.now() + seconds * 1000 + 120_000,
    );
    const count = Math.max(1, Math.round(rate * seconds));
    const summary = await runProducer(producer, stampedRecords({ ...ctx.stream, count }), { rate });
    sent = summary.sent;
    producing = false;
    const { latencies, polls, pollMs } = await polled;
    note = `latency polls: ${polls}, ${Math.round(pollMs / Math.max(1, polls))} ms each on average (queries on the events collection competing with ingest)`;
    const cpuMs = cpuBetween(from, child.sample());
    withServerUsage(row, serversFrom, sampleServers(ctx));
    row.events = latencies.length;
    row.seconds = round(summary.elapsedMs / 1000, 3);
    row.eventsPerSec = Math.round(summary.recordsPerSec);
    const sorted = [...latencies].sort((a, b) => a - b);
    const [p50, p99] = [percentile(sorted, 50), percentile(sorted, 99)];
    row.p50Ms = p50 === null ? null : Math.round(p50);
    row.p99Ms = p99 === null ? null : Math.round(p99);
    if (cpuMs !== null) withCpu(row, cpuMs);
    if (latencies.length < sent) row.error = `saw ${latencies.length} of ${sent} events`;
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
