/**
 * How an ingest process shares INGEST_MEMORY_MB (pure: no I/O). The process's resident memory is
 * a fixed part (the main thread with its modules and clients, plus each worker thread's own
 * isolate) and a part that grows with what the consumers hold; the second is split evenly between
 * consumers and, within each, between what bounds it:
 *
 * - the buffer (records read, not yet taken by a flush; fetching pauses when it is full): a fifth,
 * - the batch in flight (the records one flush took, their documents, BSON and rollup plans): a
 *   fifth of footprint, about half once its documents are built,
 * - one fetch response (decoded into message objects at once, about ten times its wire size),
 * - the device ids it keeps in memory: a tenth,
 * - and V8's own headroom: a heap collects well only below about half its limit, so the live
 *   data is planned at half of each consumer's share and the thread's heap limit is the whole.
 *
 * The fixed costs were measured on Node 24 (docs/benchmarks.md, "Memory"): an idle `ingest` with
 * its consumers on one worker thread holds 258 MB, with two threads 342 MB. A tenth of the budget
 * stays out of every plan, for what the estimates miss.
 *
 * With no worker thread (INGEST_THREADS=0, or unset when the budget cannot hold one: 256 MB) the
 * consumers run on the main thread, whose modules they share (an idle one held 172-188 MB). V8
 * takes the main thread's heap limits from the command line only, so the plan names them
 * (mainHeapMb, MAIN_SEMI_SPACE_MB) and the process restarts itself with them (src/app/main-heap.ts).
 */
import { ConfigError } from '../errors/index.ts';

const MiB = 1024 * 1024;

/** The main thread: modules, the Kafka admin and MongoDB clients, the HTTP side. */
export const MAIN_THREAD_MB = 176;
/** What the main thread's heap holds before any record: every module of the process, its clients. */
const MAIN_HEAP_BASE_MB = 64;
/** The main thread's semi-space when it hosts the consumers: V8's default grows to tens of MB. */
export const MAIN_SEMI_SPACE_MB = 2;
/** The consumers' clients and watch when they run on the main thread, whose modules they share. */
const MAIN_HOST_MB = 16;
/** What a worker thread's heap holds before any record: modules and clients. */
const THREAD_HEAP_BASE_MB = 48;
/** A worker thread's young generation, set explicitly: V8's default grows with the heap limit. */
export const THREAD_YOUNG_MB = 16;
/** A worker thread's memory outside its heap: BSON's and the bitmaps' buffers, code, stacks. */
const THREAD_OFF_HEAP_MB = 40;
/** One worker thread before it holds a record. */
export const WORKER_THREAD_MB = THREAD_OFF_HEAP_MB + THREAD_YOUNG_MB + THREAD_HEAP_BASE_MB;
/** Kept free of any plan: fetch buffers, allocator slack, what the estimates miss. */
const RESERVE = 0.1;
/**
 * Heap one cached device id holds: its address, the id and the event that registered it, and the
 * Map's slot (measured on Node 24: ~230 bytes for IPv4 addresses; IPv6 ones are longer).
 */
const DEVICE_CACHE_ENTRY_BYTES = 256;
/** The least share a consumer can do useful work in: a fetch, a small buffer, a small batch. */
export const MIN_CONSUMER_MB = 16;

/**
 * Consumers on one worker thread unless INGEST_THREADS says otherwise. Consumers of a thread write
 * together (write-combiner.ts); on the 100k drain two consumers on one thread took 40 µs of CPU per
 * event and peaked at 550 MB, against 63 µs and 790 MB on a thread each, at the same rate
 * (docs/benchmarks.md, "Consumers that share a thread").
 */
export const CONSUMERS_PER_THREAD = 2;

export interface MemoryBudgetInput {
  memoryMb: number;
  /** Consumers in the process. */
  workers: number;
  /**
   * Worker threads they share; 0: none, the consumers run on the main thread (undefined: one per
   * CONSUMERS_PER_THREAD, or none when the budget cannot hold that many).
   */
  threads?: number | undefined;
  /** An explicit INGEST_MAX_BUFFER_BYTES, checked against the share instead of derived. */
  maxBufferBytes?: number | undefined;
}

export interface MemoryPlan {
  /** Each consumer's share of the budget (bytes). */
  consumerBytes: number;
  /** Fetching pauses while a consumer's buffered records hold this much (footprint, bytes). */
  bufferBytes: number;
  /** The most footprint one flush takes from the buffer (bytes). */
  batchBytes: number;
  /** Kafka fetch size per consumer (bytes; a partition's share is half of it). */
  fetchBytes: number;
  /** Device ids a consumer keeps in memory (the registry's cache). */
  deviceCacheEntries: number;
  /** Each worker thread's V8 old-generation limit (MB), for its consumers and its modules (0: no thread). */
  threadHeapMb: number;
  /** Each worker thread's V8 young-generation limit (MB). */
  threadYoungMb: number;
  /**
   * With no worker thread: the main thread's V8 old-generation limit (MB), for every module of the
   * process and the consumers it hosts (0: threads host them). V8 takes it from the command line
   * only (`boundMainThreadHeap` in src/app/).
   */
  mainHeapMb: number;
  /** Worker threads the consumers run on (INGEST_THREADS, at most one per consumer); 0: the main thread. */
  threads: number;
  /** Consumers per worker thread (the last thread may hold fewer), or on the main thread. */
  consumersPerThread: number;
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * One thread per CONSUMERS_PER_THREAD consumers, or none (the main thread) when the budget cannot
 * hold them on those threads but can on the main thread.
 */
function defaultThreads(memoryMb: number, workers: number): number {
  const threads = Math.ceil(workers / CONSUMERS_PER_THREAD);
  return consumersThatFit(memoryMb, threads) < workers && consumersThatFit(memoryMb, 0) >= workers
    ? 0
    : threads;
}

/** The fixed part of a process with `threads` worker threads (MB). */
export function fixedMb(memoryMb: number, threads: number): number {
  const hosts = threads === 0 ? MAIN_HOST_MB : threads * WORKER_THREAD_MB;
  return Math.ceil(memoryMb * RESERVE) + MAIN_THREAD_MB + hosts;
}

/** The most consumers `memoryMb` holds on `threads` threads (0: not even one). */
export function consumersThatFit(memoryMb: number, threads: number): number {
  return Math.max(0, Math.floor((memoryMb - fixedMb(memoryMb, threads)) / MIN_CONSUMER_MB));
}

/** The threads `workers` consumers run on: INGEST_THREADS or the default, never more than consumers. */
function placedThreads(memoryMb: number, workers: number, threads: number | undefined): number {
  return Math.min(threads ?? defaultThreads(memoryMb, workers), workers);
}

/** Whether `memoryMb` holds `workers` consumers on `threads` threads (undefined: the default). */
export function holdsConsumers(memoryMb: number, workers: number, threads?: number): boolean {
  return consumersThatFit(memoryMb, placedThreads(memoryMb, workers, threads)) >= workers;
}

/**
 * The plan of a process that starts `input.workers` consumers and may add up to `maxWorkers`: made
 * for the most it may hold, so that the pool and the main thread's heap limits agree.
 */
export function planProcessMemory(input: MemoryBudgetInput, maxWorkers = input.workers): MemoryPlan {
  return planMemory({ ...input, workers: Math.max(input.workers, maxWorkers) });
}

/**
 * The plan, or a ConfigError of one line naming the settings that do not fit together (64
 * consumers in 256 MB, a buffer larger than its consumer's share).
 */
export function planMemory(input: MemoryBudgetInput): MemoryPlan {
  const { memoryMb, workers } = input;
  const threads = placedThreads(memoryMb, workers, input.threads);
  const fixed = fixedMb(memoryMb, threads);
  const free = memoryMb - fixed;
  if (free < workers * MIN_CONSUMER_MB) {
    const needed = Math.ceil(
      (fixed - Math.ceil(memoryMb * RESERVE) + workers * MIN_CONSUMER_MB) / (1 - RESERVE),
    );
    const fit = consumersThatFit(memoryMb, threads);
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
    const where = threads === 0 ? 'the main thread' : plural(threads, 'thread');
    throw new ConfigError(
      `INGEST_MEMORY_MB=${memoryMb} cannot hold ${plural(workers, 'consumer')} on ${where}: ` +
        `${fixed} MB are fixed and each consumer needs ${MIN_CONSUMER_MB} MB; set INGEST_MEMORY_MB to at least ${needed}` +
        `${fit > 0 ? ` or INGEST_WORKERS to at most ${fit}` : ''}${threads > 0 ? ' or use fewer INGEST_THREADS (0: the main thread)' : ''}`,
    );
  }
  // Every thread's heap limit is made for its largest count of consumers, so the shares are made
  // for threads × that count: with uneven threads the limits still add up to the budget.
  // With no thread, the main thread hosts them all.
  const hosts = Math.max(threads, 1);
  const consumersPerThread = Math.ceil(workers / hosts);
  const consumerBytes = Math.floor((free * MiB) / (hosts * consumersPerThread));
  const live = consumerBytes / 2;
  // Shares of the live half, by what each costs beyond its footprint: a batch in flight about 2.5x
  // (documents, BSON, plans), a fetch about 10x (decoded at once).
  const fetchBytes = Math.floor(clamp(live / 40, 64 * 1024, 2 * MiB));
  const derivedBuffer = Math.floor(live / 5);
  if (input.maxBufferBytes !== undefined && input.maxBufferBytes > live / 2) {
    throw new ConfigError(
      `INGEST_MAX_BUFFER_BYTES=${input.maxBufferBytes} does not fit: each of ${workers} consumers has ` +
        `${Math.floor(consumerBytes / MiB)} MB of INGEST_MEMORY_MB=${memoryMb}, which holds a buffer of at most ${Math.floor(live / 2)} bytes ` +
        `(unset it to derive one, or raise INGEST_MEMORY_MB)`,
    );
  }
  return {
    consumerBytes,
    bufferBytes: input.maxBufferBytes ?? derivedBuffer,
    batchBytes: Math.floor(live / 5),
    // A tenth of the live half. A miss costs the batch an insert refused as a duplicate and a read
    // by _id of the device: a slower write, never a wrong id.
    deviceCacheEntries: Math.max(1_000, Math.min(200_000, Math.floor(live / 10 / DEVICE_CACHE_ENTRY_BYTES))),
    fetchBytes,
    threadHeapMb:
      threads === 0 ? 0 : THREAD_HEAP_BASE_MB + Math.ceil((consumersPerThread * consumerBytes) / MiB),
    threadYoungMb: THREAD_YOUNG_MB,
    mainHeapMb: threads === 0 ? MAIN_HEAP_BASE_MB + Math.ceil((workers * consumerBytes) / MiB) : 0,
    threads,
    consumersPerThread,
  };
}
