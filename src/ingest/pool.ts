import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import { IpstreamError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { emptyStats, retire, type WorkerStats } from './stats.ts';
import type { PoolToWorker, WorkerInit, WorkerToPool } from './worker-protocol.ts';

const WORKER_URL = new URL('./worker-thread.ts', import.meta.url);

/** Pause before replacing an exited worker, so a worker that fails at once does not spin. */
const REPLACEMENT_DELAY_MS = 1000;

interface Slot {
  id: number;
  worker: Worker;
  stats: WorkerStats;
  stopped: Promise<void>;
}

/**
 * N ingest workers in this process, each a worker thread with its own consumer in the one group.
 * Kafka assigns the partitions; the pool only starts, watches, restarts and stops the threads and
 * gathers their counters for /metrics and /api/v1/pipeline.
 */
export class IngestPool {
  readonly #config: WorkerInit['config'];
  readonly #log: Logger;
  readonly #slots = new Map<number, Slot>();
  /** The final counters of every worker that has exited, summed, so totals never go backwards. */
  #retired: WorkerStats | undefined;
  /** Replacements waiting for their delay; stop() cancels them. */
  readonly #replacements = new Set<NodeJS.Timeout>();
  #stopping = false;
  #nextId = 0;
  #autoscaleTimer: NodeJS.Timeout | undefined;

  constructor(config: Config, log: Logger) {
    this.#config = {
      kafka: config.kafka,
      mongo: config.mongo,
      ingest: config.ingest,
      store: config.store,
      logLevel: config.logLevel,
    };
    this.#log = log;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Counters of the running workers. */
  stats(): WorkerStats[] {
    return [...this.#slots.values()].map((s) => s.stats);
  }

  /** Counters of the running workers and one total of the exited ones: the basis of totals. */
  allStats(): WorkerStats[] {
    return this.#retired === undefined ? this.stats() : [...this.stats(), this.#retired];
  }

  /** Starts workers until there are `count`; resolves once each has joined and started fetching. */
  async scaleTo(count: number): Promise<void> {
    const starting: Promise<void>[] = [];
    // #spawn registers its slot at once, so the slot count alone says how many are running or starting.
    while (this.#slots.size < count) starting.push(this.#spawn());
    await Promise.all(starting);
  }

  #spawn(): Promise<void> {
    const id = this.#nextId++;
    const init: WorkerInit = { config: this.#config, workerId: id };
    const worker = new Worker(WORKER_URL, { workerData: init });
    const {
      promise: started,
      resolve: resolveStarted,
      reject: rejectStarted,
    } = Promise.withResolvers<void>();
    const stopped = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { id, worker, stats: emptyStats(id), stopped };
    this.#slots.set(id, slot);
    worker.on('message', (message: WorkerToPool) => {
      if (message.type === 'stats') slot.stats = message.stats;
      else if (message.type === 'started') resolveStarted();
      else if (message.type === 'failed') {
        rejectStarted(new IpstreamError('WORKER_FAILED', `ingest worker ${id}: ${message.error}`));
        void worker.terminate();
      } else if (message.type === 'stopped') void worker.terminate();
    });
    worker.on('error', (error) => {
      this.#log.error({ err: error, worker: id }, 'ingest worker crashed');
      rejectStarted(error);
    });
    worker.on('exit', (code) => {
      this.#slots.delete(id);
      this.#retired = retire(this.#retired ?? emptyStats(-1), slot.stats);
      if (!this.#stopping) {
        // Its uncommitted records go back to the group; a fresh worker takes its place.
        this.#log.warn({ worker: id, code }, 'ingest worker exited; starting a replacement');
        this.#replaceLater(REPLACEMENT_DELAY_MS);
      }
    });
    return started;
  }

  #replaceLater(delayMs: number): void {
    const timer = setTimeout(() => {
      this.#replacements.delete(timer);
      // stop() may have begun while the timer ran.
      if (this.#stopping) return;
      void this.#spawn().catch((e: unknown) => this.#log.error({ err: e }, 'replacement failed'));
    }, delayMs);
    this.#replacements.add(timer);
  }

  /**
   * Adds workers while this process owns more partitions than it has workers (after the topic grew),
   * up to maxWorkers: one member per partition is the most a consumer group can use.
   */
  startWorkerAutoscale(maxWorkers: number, intervalMs = 5000): void {
    this.#autoscaleTimer = setInterval(() => {
      if (this.#stopping) return;
      const owned = this.stats().reduce(
        (n, s) => n + s.assigned.reduce((m, a) => m + a.partitions.length, 0),
        0,
      );
      const wanted = Math.min(maxWorkers, owned);
      if (wanted <= this.#slots.size) return;
      this.#log.info(
        { from: this.#slots.size, to: wanted, owned },
        'adding ingest workers for the partitions this process owns',
      );
      void this.scaleTo(wanted).catch((e: unknown) => this.#log.error({ err: e }, 'adding workers failed'));
    }, intervalMs);
    this.#autoscaleTimer.unref();
  }

  /** Each worker stops fetching, stores and commits what it read, and leaves the group. */
  async stop(graceMs = 30_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#autoscaleTimer);
    for (const timer of this.#replacements) clearTimeout(timer);
    this.#replacements.clear();
    const slots = [...this.#slots.values()];
    for (const slot of slots) slot.worker.postMessage({ type: 'stop', graceMs } satisfies PoolToWorker);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs + 10_000).unref());
    await Promise.race([Promise.all(slots.map((s) => s.stopped)), deadline]);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
