/**
 * The two runs of each peer, on the same filled topic, each with a fresh group and database:
 *
 * - clean: from the first partition assignment to everything stored by the system's own account
 *   (polled every POLL_MS); CPU time of the system's process (all threads, /proc) and of the store
 *   over the same interval; peak RSS of the process; then one scan of what it stored, against the
 *   generator;
 * - kill: started the same way, SIGKILLed once about half is stored (by its own account, or half
 *   the clean run's time has passed: the brief stores in 10 s lumps), started again with the same
 *   configuration, left to finish; then the same scan: lost and duplicated records.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import {
  type MeasuredProcess,
  type ProcSample,
  readProcSample,
  readWriteBytes,
} from '../measured-process.ts';
import { pathValue, SeqTally, type Tally } from './accounting.ts';
import type { Peer, PeerContext, PeerProcess, StoreTarget } from './peer.ts';

const POLL_MS = 250;
/** A scan of a million documents takes well under a minute on FerretDB here. */
const TALLY_TIMEOUT_MS = 300_000;
const PROBE_TIMEOUT_MS = 20_000;

/** Every system process started and not yet ended, so that an interrupted benchmark ends them too. */
export const liveProcesses = new Set<MeasuredProcess>();

let logCounter = 0;

async function started(peer: Peer, limits: RunLimits, label: string): Promise<PeerProcess> {
  const run = await peer.start();
  liveProcesses.add(run.proc);
  const file =
    limits.logDir === null
      ? null
      : join(limits.logDir, `${++logCounter}-${peer.system.replace(/[^a-z0-9]+/gi, '-')}-${label}.log`);
  void run.proc.exited.then(async () => {
    liveProcesses.delete(run.proc);
    if (file === null) return;
    const lines = (stream: 'stdout' | 'stderr'): string =>
      run.proc
        .lines(stream)
        .map((l) => `${(l.at / 1000).toFixed(3)} ${stream} ${l.text}`)
        .join('\n');
    await mkdir(limits.logDir!, { recursive: true });
    await writeFile(file, `${lines('stdout')}\n${lines('stderr')}\n`).catch(() => undefined);
  });
  return run;
}

export interface RunLimits {
  /** Where each system process's output (head and tail) is kept after its run; none when null. */
  logDir: string | null;
  /** Longest a run may take from assignment to done before it is given up (ms). */
  capMs: number;
  /** Longest to wait for a first assignment (ms); a restart waits out the dead member's session. */
  assignMs: number;
  /** A run whose stored count has not moved for this long is given up as stalled (ms). */
  stallMs: number;
  /** The store's pid (FerretDB), sampled read-only; null when it is not a local process. */
  storePid: number | null;
}

export interface CleanResult {
  seconds: number | null;
  eventsPerSec: number | null;
  cpuS: number | null;
  cpuPerKEvents: number | null;
  /** CPU from spawn to done: start-up (JVM, interpreter, connections) included. */
  cpuWithStartupS: number | null;
  peakRssMb: number | null;
  storeCpuS: number | null;
  storeCpuPerKEvents: number | null;
  /** Bytes the store wrote (to SQLite and its WAL) per event, over the same interval. */
  storeBytesPerEvent: number | null;
  tally: Tally | null;
  extras: Record<string, number | string | boolean | null>;
  error: string | null;
}

export interface KillResult {
  storedAtKill: number | null;
  killedAfterS: number | null;
  /** From the restart to the new process's first assignment. */
  restartAssignedS: number | null;
  /** From the restart to done. */
  restartDoneS: number | null;
  /** Whether the restarted system stored everything (false: stalled or capped, see error). */
  finished: boolean;
  tally: Tally | null;
  extras: Record<string, number | string | boolean | null>;
  error: string | null;
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuBetween(from: ProcSample | null, to: ProcSample | null): number | null {
  return from === null || to === null ? null : to.cpuMs - from.cpuMs;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Outcome =
  | { kind: 'done'; at: number }
  | { kind: 'stalled'; at: number; stored: number }
  | { kind: 'capped'; at: number; stored: number };

/**
 * Polls `done` until it holds, the cap passes, or what the system reports stored has not moved for
 * `stallMs` (a system that waits forever on its store must not hold the benchmark forever).
 */
async function waitDone(run: PeerProcess, deadline: number, stallMs: number): Promise<Outcome> {
  let last = -1;
  let movedAt = performance.now();
  for (;;) {
    if (await run.done()) return { kind: 'done', at: performance.now() };
    const now = performance.now();
    const stored = await run.stored();
    if (stored !== last) {
      last = stored;
      movedAt = now;
    }
    if (now > deadline) return { kind: 'capped', at: now, stored };
    if (now - movedAt > stallMs) return { kind: 'stalled', at: now, stored };
    await sleep(POLL_MS);
  }
}

function notDone(outcome: Exclude<Outcome, { kind: 'done' }>, limits: RunLimits, total: number): string {
  return outcome.kind === 'stalled'
    ? `stalled: nothing more stored for ${Math.round(limits.stallMs / 1000)} s at ${outcome.stored} of ${total}`
    : `capped: ${outcome.stored} of ${total} stored after ${Math.round(limits.capMs / 1000)} s`;
}

/**
 * Runs `work` with a client of its own, given up after `timeoutMs` (null): FerretDB can leave a
 * database whose connections are all held by commands that never end, and then every read of it
 * waits forever too. Closing the client ends the waiting on this side.
 */
export async function withOwnClient<T>(
  uri: string,
  timeoutMs: number,
  work: (client: MongoClient) => Promise<T>,
): Promise<T | null> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  const working = work(client);
  working.catch(() => undefined);
  try {
    return await Promise.race([working, timedOut]);
  } finally {
    clearTimeout(timer);
    await Promise.race([client.close().catch(() => undefined), sleep(5_000)]);
  }
}

/**
 * One pass over what a system stored: the occurrences of each produced record's seq; null when
 * the store did not answer within `timeoutMs`.
 */
export async function tallyStored(
  ctx: PeerContext,
  target: StoreTarget,
  timeoutMs = TALLY_TIMEOUT_MS,
): Promise<Tally | null> {
  // A database FerretDB can no longer serve fails this at once rather than the whole scan's time.
  const readable = await withOwnClient(ctx.mongoUri, PROBE_TIMEOUT_MS, (client) =>
    client
      .db(target.db)
      .collection(target.collection)
      .findOne({}, { projection: { _id: 1 } })
      .then(() => true),
  );
  if (readable === null) return null;
  return withOwnClient(ctx.mongoUri, timeoutMs, async (client) => {
    const tally = new SeqTally(ctx.total);
    const array = target.arrayPath;
    const projection = {
      _id: 0,
      [target.seqPath]: 1,
      ...(array === undefined ? {} : { [`${array}.${target.seqPath}`]: 1 }),
    };
    const cursor = client
      .db(target.db)
      .collection(target.collection)
      .find({}, { projection, batchSize: array === undefined ? 20_000 : 100 });
    for await (const doc of cursor) {
      const records = array === undefined ? undefined : pathValue(doc, array);
      if (Array.isArray(records)) for (const r of records) tally.add(pathValue(r, target.seqPath));
      else tally.add(pathValue(doc, target.seqPath));
    }
    return tally.result();
  });
}

export async function cleanRun(ctx: PeerContext, peer: Peer, limits: RunLimits): Promise<CleanResult> {
  const result: CleanResult = {
    seconds: null,
    eventsPerSec: null,
    cpuS: null,
    cpuPerKEvents: null,
    cpuWithStartupS: null,
    peakRssMb: null,
    storeCpuS: null,
    storeCpuPerKEvents: null,
    storeBytesPerEvent: null,
    tally: null,
    extras: {},
    error: null,
  };
  let run: PeerProcess | null = null;
  try {
    run = await started(peer, limits, 'clean');
    const assignedAt = await run.assigned(limits.assignMs);
    const from = run.proc.sample();
    const storeFrom = limits.storePid === null ? null : readProcSample(limits.storePid);
    const bytesFrom = limits.storePid === null ? null : readWriteBytes(limits.storePid);
    const outcome = await waitDone(run, assignedAt + limits.capMs, limits.stallMs);
    const to = run.proc.sample();
    const storeTo = limits.storePid === null ? null : readProcSample(limits.storePid);
    const bytesTo = limits.storePid === null ? null : readWriteBytes(limits.storePid);
    if (outcome.kind !== 'done') {
      result.error = notDone(outcome, limits, ctx.total);
      ctx.progress(`${peer.system}: ${result.error}`);
      run.proc.kill();
      await run.proc.exited;
      result.tally = await tallyStored(ctx, peer.target);
      if (result.tally === null) result.error += '; its database did not answer a read';
      return result;
    }
    const seconds = (outcome.at - assignedAt) / 1000;
    result.seconds = round(seconds, 3);
    result.eventsPerSec = Math.round(ctx.total / Math.max(seconds, 1e-3));
    const cpuMs = cpuBetween(from, to);
    if (cpuMs !== null) {
      result.cpuS = round(cpuMs / 1000);
      result.cpuPerKEvents = round(cpuMs / ctx.total, 3);
    }
    if (to !== null) {
      result.cpuWithStartupS = round(to.cpuMs / 1000);
      result.peakRssMb = round(to.peakRssKb / 1024, 1);
    }
    const storeMs = cpuBetween(storeFrom, storeTo);
    if (storeMs !== null) {
      result.storeCpuS = round(storeMs / 1000);
      result.storeCpuPerKEvents = round(storeMs / ctx.total, 3);
    }
    if (bytesFrom !== null && bytesTo !== null)
      result.storeBytesPerEvent = Math.round((bytesTo - bytesFrom) / ctx.total);
    await run.stop();
    result.tally = await tallyStored(ctx, peer.target);
    if (result.tally === null) result.error = 'its database did not answer a read';
    else result.extras = await peer.extras();
  } catch (error) {
    result.error = message(error).split('\n')[0] ?? 'failed';
    ctx.progress(`${peer.system}: ${message(error)}`);
  } finally {
    run?.proc.kill();
  }
  return result;
}

export async function killRun(
  ctx: PeerContext,
  peer: Peer,
  limits: RunLimits,
  /** Kill after this long even if less than half is stored (half the clean run's time). */
  killAfterMs: number | null,
): Promise<KillResult> {
  const result: KillResult = {
    storedAtKill: null,
    killedAfterS: null,
    restartAssignedS: null,
    restartDoneS: null,
    finished: false,
    tally: null,
    extras: {},
    error: null,
  };
  let first: PeerProcess | null = null;
  let second: PeerProcess | null = null;
  try {
    first = await started(peer, limits, 'kill-first');
    const assignedAt = await first.assigned(limits.assignMs);
    const deadline = assignedAt + limits.capMs;
    for (;;) {
      const stored = await first.stored();
      const now = performance.now();
      if (stored >= ctx.total / 2 || (killAfterMs !== null && now - assignedAt >= killAfterMs)) {
        result.storedAtKill = stored;
        result.killedAfterS = round((now - assignedAt) / 1000, 1);
        break;
      }
      if (await first.done()) throw new Error('done before it could be killed');
      if (now > deadline) throw new Error('not half stored by the cap');
      await sleep(POLL_MS);
    }
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    ctx.progress(
      `${peer.system}: SIGKILLed after ${result.killedAfterS} s, ${result.storedAtKill} stored; restarting`,
    );
    const restartedAt = performance.now();
    second = await started(peer, limits, 'kill-restart');
    const assigned = await second.assigned(limits.assignMs);
    result.restartAssignedS = round((assigned - restartedAt) / 1000, 1);
    const outcome = await waitDone(second, assigned + limits.capMs, limits.stallMs);
    if (outcome.kind === 'done') {
      result.finished = true;
      result.restartDoneS = round((outcome.at - restartedAt) / 1000, 1);
      await second.stop();
    } else {
      // What it stored so far is what the row reports: the rest is still in Kafka, unstored.
      result.error = `after the restart, ${notDone(outcome, limits, ctx.total)}`;
      ctx.progress(`${peer.system}: ${result.error}`);
      second.proc.kill();
      await second.proc.exited;
    }
    result.tally = await tallyStored(ctx, peer.target);
    if (result.tally === null) {
      result.error = `${result.error ?? 'done'}; its database did not answer a read within ${TALLY_TIMEOUT_MS / 1000} s`;
      ctx.progress(`${peer.system}: ${result.error}`);
    } else result.extras = await peer.extras();
  } catch (error) {
    result.error = message(error).split('\n')[0] ?? 'failed';
    ctx.progress(`${peer.system} (kill run): ${message(error)}`);
  } finally {
    first?.proc.kill();
    second?.proc.kill();
  }
  return result;
}
