// A process the pipeline benchmark measures on its own (CPU time, peak RSS): W worker threads that
// consume without storing, store without consuming, or do both (end to end). The job comes as JSON
// in argv[2]; the child answers with JSON lines on stdout (see ChildLine) and, for consume and e2e
// jobs, runs until "stop" arrives on stdin.
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { describeError } from '../../src/errors/index.ts';
import { planMemory } from '../../src/ingest/index.ts';
import { connectMongo, ensureSchema } from '../../src/store/index.ts';
import {
  type BatchSizes,
  type ChildJob,
  type ChildLine,
  mergeSizes,
  type ParentToWorker,
  type WorkerJob,
  type WorkerToParent,
} from './protocol.ts';
import { mergeCounts, type StatementCounts } from '../statements.ts';

const WORKER_URL = new URL('./worker.ts', import.meta.url);

function print(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

interface Running {
  worker: Worker;
  ready: Promise<void>;
  done: Promise<Done>;
  exited: Promise<void>;
}

interface Done {
  sizes: BatchSizes;
  elapsedMs: number;
  statements: StatementCounts;
}

function startWorker(job: WorkerJob): Running {
  const worker = new Worker(WORKER_URL, { workerData: job });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  let resolveDone!: (result: Done) => void;
  let rejectDone!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const done = new Promise<Done>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // Whoever awaits only one of the two must not see the other's rejection as unhandled.
  ready.catch(() => undefined);
  done.catch(() => undefined);
  const fail = (error: Error): void => {
    rejectReady(error);
    rejectDone(error);
  };
  worker.on('message', (message: WorkerToParent) => {
    if (message.type === 'ready') resolveReady();
    else if (message.type === 'done')
      resolveDone({ sizes: message.sizes, elapsedMs: message.elapsedMs, statements: message.statements });
    else fail(new Error(`worker ${job.workerId}: ${message.error}`));
  });
  worker.on('error', fail);
  // After 'done' this changes nothing; before it, the worker died.
  worker.on('exit', (code) => fail(new Error(`worker ${job.workerId} exited early with code ${code}`)));
  return { worker, ready, done, exited };
}

function stdinLine(expected: string): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() !== expected) return;
      lines.close();
      // An open stdin would keep the process alive after its work is done.
      process.stdin.destroy();
      resolve();
    });
    // The parent went away: stop as if asked to.
    lines.on('close', () => resolve());
  });
}

async function run(job: ChildJob): Promise<void> {
  if (job.mode !== 'consume') {
    // As `ipstream ingest` does before its workers start: FerretDB must not create collections
    // while other connections write.
    const mongo = await connectMongo(job.config.mongo, 'ipstream-bench-schema');
    await ensureSchema(mongo.db).finally(() => mongo.close());
  }
  const fed = job.mode === 'store' || job.mode === 'raw';
  const partitions = fed ? job.partitions : 0;
  // Consumers share threads as IngestPool places them (INGEST_THREADS); a store job's writers each
  // have one of their own.
  // With no thread (the main thread hosts the consumers in ipstream), one benchmark thread hosts them.
  const plan = fed ? { threads: job.workers, consumersPerThread: 1 } : planMemory(job.config.ingest);
  const workers = Array.from({ length: Math.max(plan.threads, 1) }, (_, workerId) =>
    startWorker({
      ...job,
      workerId,
      workerIds: Array.from({ length: job.workers }, (_, id) => id).filter(
        (id) => Math.floor(id / plan.consumersPerThread) === workerId,
      ),
      owned: Array.from({ length: partitions }, (_, p) => p).filter((p) => p % job.workers === workerId),
    }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    print({ type: 'ready' });
    let elapsedMs = 0;
    let cpuMs = 0;
    if (!fed) {
      await stdinLine('stop');
      for (const w of workers) w.worker.postMessage({ type: 'stop' } satisfies ParentToWorker);
    } else {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (const w of workers) w.worker.postMessage({ type: 'go' } satisfies ParentToWorker);
      await Promise.all(workers.map((w) => w.done));
      elapsedMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      cpuMs = (used.user + used.system) / 1000;
    }
    const results = await Promise.all(workers.map((w) => w.done));
    print({
      type: 'result',
      sizes: mergeSizes(results.map((r) => r.sizes)),
      elapsedMs,
      cpuMs,
      maxRssKb: process.resourceUsage().maxRSS,
      statements: mergeCounts(results.map((r) => r.statements)),
    });
  } finally {
    // Let the threads end on their own (that is when --cpu-prof writes a thread's profile), and
    // terminate the ones that do not.
    await Promise.all(
      workers.map(async (w) => {
        const late = setTimeout(() => void w.worker.terminate(), 5_000);
        await w.exited;
        clearTimeout(late);
      }),
    );
  }
}

try {
  await run(JSON.parse(process.argv[2] ?? '') as ChildJob);
} catch (error) {
  print({ type: 'failed', error: describeError(error) });
  process.exitCode = 1;
}
