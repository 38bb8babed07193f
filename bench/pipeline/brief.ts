/**
 * The brief's design as a phase of the pipeline benchmark: bench/peers/brief/brief.py (N
 * kafka-python consumer threads, one shared list, insert_many every 10 s) drains a topic holding
 * the same records as the end-to-end run's, into a collection of the level's database. Timed, like
 * end to end, from its first consumer's first assignment to the line saying every record was
 * inserted (each as the parent reads it); CPU and peak RSS of the Python process from /proc.
 */
import type { MeasuredProcess } from '../measured-process.ts';
import {
  type BriefLine,
  briefArgs,
  briefPython,
  parseBriefLine,
  spawnBrief,
} from '../peers/brief-process.ts';
import type { StoreSampler } from '../store-sampler.ts';
import { cpuBetween, emptyRow, type PipelineBenchRow, round, withCpu, withStoreUsage } from './row.ts';
import {
  type Context,
  failed,
  freshGroup,
  type Level,
  phaseTimeoutMs,
  refreshServers,
  sampleServers,
  type Source,
  storeSampler,
  withServerUsage,
} from './runs.ts';

/** The collection the brief's design saves into (in the level's database). */
const BRIEF_COLLECTION = 'brief_events';

function last<T extends BriefLine['type']>(
  child: MeasuredProcess,
  type: T,
): Extract<BriefLine, { type: T }> | null {
  const lines = child.lines('stdout');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = parseBriefLine(lines[i]!.text);
    if (line?.type === type) return line as Extract<BriefLine, { type: T }>;
  }
  return null;
}

/** One run of the brief's design with `workers` consumer threads, draining `source` into the level's database. */
export async function briefRun(
  ctx: Context,
  workers: number,
  source: Source,
  level: Level,
  progress: (m: string) => void,
): Promise<PipelineBenchRow> {
  const row = emptyRow('brief', workers, null, level.stored);
  let python: string;
  try {
    python = await briefPython(ctx.config.services.stateDir, progress);
  } catch (error) {
    failed(ctx, row, error);
    return row;
  }
  const group = freshGroup(ctx, `brief-w${workers}`);
  refreshServers(ctx);
  const child = spawnBrief(
    python,
    briefArgs({
      topic: source.topic,
      group,
      brokers: ctx.config.kafka.brokers,
      mongoUri: ctx.config.mongo.uri,
      db: level.db,
      collection: BRIEF_COLLECTION,
      threads: workers,
      expect: source.total,
    }),
  );
  let sampler: StoreSampler | null = null;
  try {
    const is =
      (...types: string[]) =>
      (t: string) =>
        types.includes(parseBriefLine(t)?.type ?? '');
    const assigned = await child.waitForLine('stdout', is('assigned', 'failed'), phaseTimeoutMs(ctx));
    const first = parseBriefLine(assigned.text);
    if (first?.type === 'failed') throw new Error(first.error);
    const from = child.sample();
    const serversFrom = sampleServers(ctx);
    sampler = storeSampler(ctx, level.db);
    let capped = false;
    const end = await child.waitForLine('stdout', is('done', 'failed'), ctx.capMs).catch((error: unknown) => {
      if (child.child.exitCode !== null) throw error;
      capped = true;
      return null;
    });
    const at = end?.at ?? assigned.at + ctx.capMs;
    const to = child.sample();
    withServerUsage(row, serversFrom, sampleServers(ctx));
    const usage = sampler.stop();
    const outcome = end === null ? null : parseBriefLine(end.text);
    if (outcome?.type === 'failed') throw new Error(outcome.error);
    const inserted = outcome?.type === 'done' ? outcome.inserted : (last(child, 'saved')?.inserted ?? 0);
    row.seconds = round((at - assigned.at) / 1000, 3);
    row.events = Math.min(inserted, source.total);
    row.eventsPerSec = Math.round(row.events / Math.max(row.seconds, 1e-3));
    const cpuMs = cpuBetween(from, to);
    if (cpuMs !== null) withCpu(row, cpuMs);
    if (to !== null) row.peakRssMb = round(to.peakRssKb / 1024, 1);
    withStoreUsage(row, usage);
    // One insert statement per document inserted: what insert_many sent (brief.py counts them).
    row.stmtPerEvent = row.events > 0 ? round(inserted / row.events, 3) : null;
    row.statements = `insert ${inserted}`;
    const saves = child.lines('stdout').filter((l) => parseBriefLine(l.text)?.type === 'saved').length;
    row.flushes = saves;
    row.avgBatch = saves > 0 ? Math.round(inserted / saves) : null;
    if (capped) {
      row.error = `capped: ${inserted} of ${source.total} inserted after ${Math.round(row.seconds)} s`;
    } else {
      await child.waitForExit(60_000);
      if (inserted > source.total)
        ctx.remarks.push(
          `brief stored=${level.stored} workers=${workers}: ${inserted} documents inserted for ${source.total} records (redelivered after a rebalance: the design commits offsets whether or not they were saved)`,
        );
    }
  } catch (error) {
    failed(ctx, row, error);
  } finally {
    sampler?.stop();
    child.kill();
  }
  return row;
}
