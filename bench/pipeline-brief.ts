/**
 * The brief's design as a phase of the pipeline benchmark: bench/peers/brief/brief.py (N
 * kafka-python consumer threads, one shared list, insert_many every 10 s) drains a topic holding
 * the same records as the end-to-end run's, into a collection of the level's database. Timed, like
 * end to end, from its first consumer's first assignment to the line saying every record was
 * inserted (each as the parent reads it); CPU and peak RSS of the Python process from /proc.
 */
import { MeasuredProcess } from './measured-process.ts';
import { BRIEF_REQUIREMENTS, BRIEF_SCRIPT, ensureVenv, venvDir } from './peers/venv.ts';
import type { StoreSampler } from './store-sampler.ts';
import {
  cpuBetween,
  emptyRow,
  type PipelineBenchRow,
  round,
  withCpu,
  withStoreUsage,
} from './pipeline-row.ts';
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
} from './pipeline-runs.ts';

/** The collection the brief's design saves into (in the level's database). */
const BRIEF_COLLECTION = 'brief_events';

/** What brief.py prints on stdout, one JSON object a line. */
export type BriefLine =
  | { type: 'assigned'; thread: number; partitions: number[] }
  | { type: 'saved'; docs: number; inserted: number; seconds: number }
  | { type: 'done'; inserted: number; inserts: number }
  | { type: 'failed'; error: string };

export function parseBriefLine(text: string): BriefLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const line = JSON.parse(text) as { type?: unknown };
    return typeof line.type === 'string' ? (line as BriefLine) : null;
  } catch {
    return null;
  }
}

/** The command line of brief.py for one run. */
export function briefArgs(options: {
  topic: string;
  group: string;
  brokers: readonly string[];
  mongoUri: string;
  db: string;
  collection: string;
  threads: number;
  expect: number;
}): string[] {
  return [
    BRIEF_SCRIPT,
    '--topic',
    options.topic,
    '--group',
    options.group,
    '--brokers',
    options.brokers.join(','),
    '--mongo-uri',
    options.mongoUri,
    '--db',
    options.db,
    '--collection',
    options.collection,
    '--threads',
    String(options.threads),
    '--expect',
    String(options.expect),
  ];
}

/** Starts brief.py with the venv's Python: unbuffered, nothing of this process's environment. */
export function spawnBrief(python: string, args: string[]): MeasuredProcess {
  return new MeasuredProcess(python, args, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' });
}

let venv: { dir: string; python: Promise<string> } | undefined;

/** The peers' virtualenv, made (or checked) once per process. */
function briefPython(stateDir: string, progress: (m: string) => void): Promise<string> {
  const dir = venvDir(stateDir);
  if (venv?.dir !== dir) {
    const python = ensureVenv(dir, BRIEF_REQUIREMENTS, progress);
    // A failure is reported by every brief row; the promise must not count as unhandled meanwhile.
    python.catch(() => undefined);
    venv = { dir, python };
  }
  return venv.python;
}

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
