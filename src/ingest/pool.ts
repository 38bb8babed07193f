import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import { IpstreamError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { InProcessThread, type ThreadHandle } from './in-process-thread.ts';
import { type MemoryPlan, planProcessMemory } from './memory-budget.ts';
import { emptyStats, retire, type WorkerStats } from './stats.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

const WORKER_URL = new URL('./worker-thread.ts', import.meta.url);

/** Pause before replacing an exited thread, so a thread that fails at once does not spin. */
const REPLACEMENT_DELAY_MS = 1000;

/** How long a thread whose consumer failed gets to stop the others cleanly before it is ended. */
const FAILED_THREAD_GRACE_MS = 30_000;

type Started = ReturnType<typeof Promise.withResolvers<void>>;

/** One worker thread (or the main thread's host) and the consumers it runs. */
interface Slot {
  worker: ThreadHandle;
  /** Counters of its consumers, by worker id. */
  consumers: Map<number, WorkerStats>;
  /** Settled when each consumer has started (or failed to). */
  started: Map<number, Started>;
  stopped: Promise<void>;
}

/**
 * The ingest consumers of this process (INGEST_WORKERS), each a member of the one group with its
 * own Kafka consumer, spread over INGEST_THREADS worker threads. Kafka assigns the partitions; the
 * pool only starts, watches, restarts and stops the threads and gathers their consumers' counters
 * for /metrics and /api/v1/pipeline. A thread costs an isolate with its own modules and clients
 * (memory-budget.ts), so consumers may share threads, or run on the main thread when the budget
 * holds no thread; a thread whose consumer fails for good stops its other consumers cleanly and is
 * replaced whole.
 */
export class IngestPool {
  readonly #config: WorkerInit['config'];
  readonly #memory: MemoryPlan;
  readonly #log: Logger;
  readonly #slots = new Set<Slot>();
  /** The final counters of every consumer that has exited, summed, so totals never go backwards. */
  #retired: WorkerStats | undefined;
  /** Replacements waiting for their delay; stop() cancels them. */
  readonly #replacements = new Set<NodeJS.Timeout>();
  #stopping = false;
  #nextId = 0;
  #autoscaleTimer: NodeJS.Timeout | undefined;

  /**
   * Refuses (ConfigError) when INGEST_MEMORY_MB cannot hold the consumers: `maxWorkers`, the most
   * that autoscaling may reach, is what the memory plan is made for.
   */
  constructor(config: Config, log: Logger, maxWorkers = config.ingest.workers) {
    this.#config = {
      kafka: config.kafka,
      mongo: config.mongo,
      ingest: config.ingest,
      store: config.store,
      logLevel: config.logLevel,
    };
    this.#memory = planProcessMemory(config.ingest, maxWorkers);
    this.#log = log;
  }

  /** Consumers running or starting. */
  get size(): number {
    let n = 0;
    for (const slot of this.#slots) n += slot.consumers.size;
    return n;
  }

  /** Counters of the running consumers. */
  stats(): WorkerStats[] {
    return [...this.#slots].flatMap((s) => [...s.consumers.values()]);
  }

  /** Counters of the running consumers and one total of the exited ones: the basis of totals. */
  allStats(): WorkerStats[] {
    return this.#retired === undefined ? this.stats() : [...this.stats(), this.#retired];
  }

  /**
   * Starts consumers until there are `count`: on new threads while fewer than INGEST_THREADS run,
   * then on the thread with the fewest. Resolves once each has joined and started fetching.
   */
  async scaleTo(count: number): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.size < count) {
      if (this.#slots.size < Math.max(this.#memory.threads, 1)) {
        starting.push(...this.#spawn(Math.min(count - this.size, this.#memory.consumersPerThread)));
      } else {
        const slot = [...this.#slots].reduce((a, b) => (b.consumers.size < a.consumers.size ? b : a));
        const ids = this.#ids(1);
        this.#register(slot, ids);
        slot.worker.postMessage({ type: 'add', workerIds: ids } satisfies PoolToWorker);
        starting.push(...ids.map((id) => slot.started.get(id)!.promise));
      }
    }
    await Promise.all(starting);
  }

  #ids(n: number): number[] {
    return Array.from({ length: n }, () => this.#nextId++);
  }

  /** Counts consumers `ids` in `slot` from now on. */
  #register(slot: Slot, ids: number[]): void {
    for (const id of ids) {
      slot.consumers.set(id, emptyStats(id));
      slot.started.set(id, Promise.withResolvers<void>());
    }
  }

  /** A thread with `n` consumers; one promise per consumer, settled when it started or failed. */
  #spawn(n: number): Promise<void>[] {
    const ids = this.#ids(n);
    const init: WorkerInit = { config: this.#config, workerIds: ids, memory: this.#memory };
    const worker: ThreadHandle =
      this.#memory.threads === 0
        ? new InProcessThread(init)
        : new Worker(WORKER_URL, {
            workerData: init,
            // The heap may not grow past what the plan gives this thread: V8 collects sooner instead.
            resourceLimits: {
              maxOldGenerationSizeMb: this.#memory.threadHeapMb,
              maxYoungGenerationSizeMb: this.#memory.threadYoungMb,
            },
          });
    const stopped = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { worker, consumers: new Map(), started: new Map(), stopped };
    this.#register(slot, ids);
    this.#slots.add(slot);
    let failedTimer: NodeJS.Timeout | undefined;
    worker.on('message', (message: WorkerToPool) => {
      if (message.type === 'stats') {
        if (slot.consumers.has(message.stats.workerId))
          slot.consumers.set(message.stats.workerId, message.stats);
      } else if (message.type === 'started') slot.started.get(message.workerId)?.resolve();
      else if (message.type === 'failed') {
        const error = new IpstreamError(
          'WORKER_FAILED',
          `ingest worker ${message.workerId}: ${message.error}`,
        );
        slot.started.get(message.workerId)?.reject(error);
        // Its other consumers store and commit what they read and leave the group; then the
        // thread exits and a fresh one takes its place.
        if (failedTimer === undefined && !this.#stopping) {
          worker.postMessage({ type: 'stop', graceMs: FAILED_THREAD_GRACE_MS } satisfies PoolToWorker);
          failedTimer = setTimeout(() => void worker.terminate(), FAILED_THREAD_GRACE_MS + 10_000);
          failedTimer.unref();
        }
      } else if (message.type === 'stopped') void worker.terminate();
    });
    worker.on('error', (error) => {
      this.#log.error({ err: error, workers: [...slot.consumers.keys()] }, 'ingest worker thread crashed');
      for (const s of slot.started.values()) s.reject(error);
    });
    worker.on('exit', (code) => {
      clearTimeout(failedTimer);
      this.#slots.delete(slot);
      for (const stats of slot.consumers.values())
        this.#retired = retire(this.#retired ?? emptyStats(-1), stats);
      for (const s of slot.started.values()) {
        s.reject(new IpstreamError('WORKER_FAILED', `ingest worker thread exited with code ${code}`));
      }
      if (!this.#stopping) {
        // Their uncommitted records go back to the group; a fresh thread takes its place.
        this.#log.warn(
          { workers: [...slot.consumers.keys()], code },
          'ingest worker thread exited; starting a replacement',
        );
        this.#replaceLater(REPLACEMENT_DELAY_MS, slot.consumers.size);
      }
    });
    return ids.map((id) => slot.started.get(id)!.promise);
  }

  #replaceLater(delayMs: number, consumers: number): void {
    const timer = setTimeout(() => {
      this.#replacements.delete(timer);
      // stop() may have begun while the timer ran.
      if (this.#stopping) return;
      void Promise.all(this.#spawn(consumers)).catch((e: unknown) =>
        this.#log.error({ err: e }, 'replacement failed'),
      );
    }, delayMs);
    this.#replacements.add(timer);
  }

  /**
   * Adds consumers while this process owns more partitions than it has consumers (after the topic
   * grew), up to maxWorkers: one member per partition is the most a consumer group can use.
   */
  startWorkerAutoscale(maxWorkers: number, intervalMs = 5000): void {
    this.#autoscaleTimer = setInterval(() => {
      if (this.#stopping) return;
      const owned = this.stats().reduce(
        (n, s) => n + s.assigned.reduce((m, a) => m + a.partitions.length, 0),
        0,
      );
      const wanted = Math.min(maxWorkers, owned);
      if (wanted <= this.size) return;
      this.#log.info(
        { from: this.size, to: wanted, owned },
        'adding ingest workers for the partitions this process owns',
      );
      void this.scaleTo(wanted).catch((e: unknown) => this.#log.error({ err: e }, 'adding workers failed'));
    }, intervalMs);
    this.#autoscaleTimer.unref();
  }

  /** Each consumer stops fetching, stores and commits what it read, and leaves the group. */
  async stop(graceMs = 30_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#autoscaleTimer);
    for (const timer of this.#replacements) clearTimeout(timer);
    this.#replacements.clear();
    const slots = [...this.#slots];
    for (const slot of slots) slot.worker.postMessage({ type: 'stop', graceMs } satisfies PoolToWorker);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs + 10_000).unref());
    await Promise.race([Promise.all(slots.map((s) => s.stopped)), deadline]);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
