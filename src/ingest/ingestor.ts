import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message, MessagesStreamModes, type MessagesStream } from '@platformatic/kafka';
import type { Config } from '../config/index.ts';
import { describeError } from '../errors/index.ts';
import { decodeRecord, partitionKey } from '../events/index.ts';
import { baseClientOptions, isUnknownMember } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import {
  connectMongo,
  detectStoreProfile,
  EventStore,
  isRetriableStoreError,
  isUnreachableStoreError,
  type MongoHandle,
  type StoreResult,
} from '../store/index.ts';
import { backoffDelay, withRetry } from '../retry/index.ts';
import { type Batch, BatchBuffer, offsetsIn, withoutPartitions } from './batch-buffer.ts';
import { coversFromCommitted } from './gap-guard.ts';
import { byTopic, OffsetCommitter } from './committer.ts';
import { createFlushPolicy, type FlushPolicy, type FlushReason, takeLimits } from './flush-policy.ts';
import { type MemoryPlan, planMemory } from './memory-budget.ts';
import { countIn, emptyStats, errorKind, type WorkerStats } from './stats.ts';
import type { CombinableWriter, WriteCombiner } from './write-combiner.ts';

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** What a flush hands its batch to (EventStore, or a stand-in in benchmarks). */
export interface BatchWriter extends CombinableWriter {
  /**
   * Per partition (`partitionKey`), the highest offset the store has applied, if it can say;
   * absent partitions have none. Lets the gap check accept records another member stored.
   */
  appliedThrough?(): Promise<Record<string, number>>;
}
type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

export interface IngestorOptions {
  config: Pick<Config, 'kafka' | 'mongo' | 'ingest'> & Partial<Pick<Config, 'store'>>;
  workerId: number;
  log: Logger;
  onStats: (stats: WorkerStats) => void;
  /**
   * Where batches go; by default an EventStore on config.mongo. The benchmark injects a no-op
   * writer to measure the consume ceiling with exactly this code path.
   */
  store?: BatchWriter;
  /** Shared by the consumers of a thread: their writes in flight at once go as one (write-combiner.ts). */
  combiner?: WriteCombiner;
  /** This consumer's bounds from INGEST_MEMORY_MB (default: planned from `config.ingest`). */
  memory?: Pick<MemoryPlan, 'bufferBytes' | 'batchBytes' | 'fetchBytes' | 'deviceCacheEntries'>;
  /** How long `stop` keeps retrying a failing store before giving up (records stay uncommitted). */
  stopGraceMs?: number;
  /** The worker failed for good (a batch the store rejected); it has left the group uncommitted. */
  onFatal?: (error: unknown) => void;
  /**
   * Test-only: awaited between reading what decides a commit and sending it, so that a test can
   * let another member act in that window (test/integration/ingest-commit-race.test.ts).
   */
  beforeCommit?: (offsets: { topic: string; partition: number; offset: bigint }[]) => Promise<void>;
}

const RECENT_WRITES = 64;

const NOTHING_STORED: StoreResult = { inserted: 0, duplicates: 0, deadLetters: 0, deadLetterDuplicates: 0 };

/** Messages the consumer stream holds ahead of the buffer (see #startConsumer). */
const STREAM_HIGH_WATER_MARK = 16;

/** How long store writes may fail, the last with the store unreachable, before the client is replaced (#write). */
const STALE_CLIENT_MS = 20_000;

/**
 * How long after this member's partitions changed its flushes stay at the policy's limits
 * (takeLimits): the time for the members joining with it to get their share. A new member's
 * partitions are taken from the others at their next heartbeat, 5 s apart by Kafka's default.
 */
const SETTLE_MS = 5_000;

/** Between attempts to rejoin after the consumer stream died: 1 s doubling to 10 s. */
const CONSUMER_RESTART = { baseMs: 1_000, maxMs: 10_000 } as const;

/** What a fetched record weighs: its key, value and headers. */
function arrivedBytes(message: KafkaMessage): number {
  let bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [key, value] of message.headers ?? []) bytes += (key?.length ?? 0) + (value?.length ?? 0);
  return bytes;
}

/**
 * One member of the ingest consumer group: decode -> buffer -> flush (store, then commit).
 *
 * Offsets are committed only after the records below them are stored, one flush at a time, so a
 * crash at any point leaves Kafka to redeliver what might not be stored, and the idempotent store
 * absorbs what was. Memory is bounded by the plan (memory-budget.ts): fetching pauses while the
 * buffer's estimated footprint (what each record weighed as fetched, plus a measured per-record
 * overhead) reaches its buffer bound, and one flush takes at most its batch bound.
 */
export class Ingestor {
  readonly #options: IngestorOptions;
  readonly #log: Logger;
  readonly #buffer = new BatchBuffer();
  readonly #memory: NonNullable<IngestorOptions['memory']>;
  readonly #policy: FlushPolicy;
  readonly #stats: WorkerStats;
  #mongo: MongoHandle | undefined;
  /** The store this ingestor opened (none when one was injected): closed on stop. */
  #ownStore: EventStore | undefined;
  /** When store writes began to fail, while they fail (see #write). */
  #failingSince: number | undefined;
  #store: BatchWriter | undefined;
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  #stream: Stream | undefined;
  #flushing: Promise<void> | null = null;
  #ageTimer: NodeJS.Timeout | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Set when a batch could not be stored: nothing after it may be committed. */
  #failed = false;
  #stopDeadline = Infinity;
  #restarting = false;
  /** The consumer restart in progress, if any (stop waits for it: it may have commits to send). */
  #restart: Promise<void> | undefined;
  /** Leaves the thread's write combiner (on stop). */
  #leaveCombiner: (() => void) | undefined;
  /** Commits what was stored, retrying those that fail (committer.ts). */
  readonly #commits: OffsetCommitter;
  /** Partitions (`topic:partition`) whose buffered records were dropped since the consumer started. */
  readonly #dropped = new Set<string>();
  /** A batch left out records it must not skip past: the consumer restarts to read them again. */
  #rereadNeeded = false;
  /** The consumer's assignment at the last flush, and when it was first seen (takeLimits' settling). */
  #assignmentSeen: unknown = undefined;
  #assignmentSeenAt = 0;

  constructor(options: IngestorOptions) {
    this.#options = options;
    this.#log = options.log;
    const ingest = options.config.ingest;
    this.#memory = options.memory ?? planMemory(ingest);
    this.#policy = createFlushPolicy({
      maxAgeMs: ingest.flushIntervalMs,
      adaptive: ingest.adaptive,
      targetWriteMs: ingest.targetFlushMs,
      countLimit: ingest.flushCount,
      bytesLimit: ingest.flushBytes,
    });
    this.#stats = emptyStats(options.workerId);
    this.#commits = new OffsetCommitter({
      consumer: () => this.#consumer,
      store: () => this.#store,
      log: this.#log,
      stats: this.#stats,
      stopping: () => this.#stopping,
      replacedConsumer: () => this.#stats.consumerRestarts > 0,
      ...(options.beforeCommit !== undefined && { beforeCommit: options.beforeCommit }),
    });
  }

  get stats(): WorkerStats {
    const policy = this.#policy.current();
    // Under the consumer group protocol assignments change between joins (the broker hands out
    // partitions by heartbeat), so they are read from the consumer each time.
    const assigned = (this.#consumer?.assignments ?? []).map((a) => ({
      topic: a.topic,
      partitions: [...a.partitions],
    }));
    return {
      ...this.#stats,
      assigned,
      buffered: this.#buffer.count,
      bufferedBytes: this.#buffer.bytes,
      paused: this.#stream?.isPaused() ?? false,
      policy: { countLimit: policy.countLimit, bytesLimit: policy.bytesLimit, maxAgeMs: policy.maxAgeMs },
    };
  }

  async start(): Promise<void> {
    this.#store = this.#options.store ?? (await this.#openStore());
    this.#leaveCombiner = this.#options.combiner?.join(() => this.#flushWithOthers());
    await this.#startConsumer();
    this.#statsTimer = setInterval(() => this.#options.onStats(this.stats), 1000);
  }

  async #openStore(): Promise<EventStore> {
    const mongo = await this.#retry('connect to MongoDB', () =>
      connectMongo(this.#options.config.mongo, 'ipstream-ingest'),
    );
    this.#mongo = mongo;
    const profile = await this.#retry('detect the store', () => detectStoreProfile(mongo.db));
    this.#ownStore = new EventStore(mongo.db, {
      profile,
      deviceCacheSize: this.#memory.deviceCacheEntries,
      ...(this.#options.config.store === undefined
        ? {}
        : { layout: this.#options.config.store.eventsLayout }),
    });
    return this.#ownStore;
  }

  async #startConsumer(): Promise<void> {
    const { kafka } = this.#options.config;
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...baseClientOptions(kafka, `ingest-${hostname()}-${process.pid}-${this.#options.workerId}`),
      groupId: kafka.group,
      autocommit: false,
      maxWaitTime: 500,
      // The consumer group protocol (KIP-848): the broker assigns partitions and hands new ones
      // out when the topic grows, with no client-side rebalance barrier. Session timeout and
      // heartbeat interval are broker settings (group.consumer.*) under this protocol.
      groupProtocol: 'consumer',
      // Messages the stream holds ahead of this member, also while it is paused: each may be as
      // large as the broker allows (a key of a megabyte), so few; a fetch response is bounded by
      // maxBytes below whatever this says.
      highWaterMark: STREAM_HIGH_WATER_MARK,
      // One fetch response is decoded into message objects all at once, whatever the stream's
      // highWaterMark, at roughly ten times its wire size for small records. The client's 50 MB
      // default put 1.5 GB in the heap within seconds of starting on a backlog (measured); the
      // memory plan gives at most 2 MiB, ~25k small records, plenty for any store.
      maxBytes: this.#memory.fetchBytes,
      maxBytesPerPartition: Math.ceil(this.#memory.fetchBytes / 2),
    });
    consumer.on('consumer:group:join', (payload) => {
      this.#stats.memberId = payload.memberId;
      this.#log.info({ memberId: payload.memberId }, 'joined group');
    });
    consumer.on('consumer:heartbeat:error', (payload: { error?: unknown }) => {
      if (this.#consumer !== consumer || !isUnknownMember(payload.error)) return;
      const error = payload.error instanceof Error ? payload.error : undefined;
      void this.#restartConsumer('the group dropped this member (its session expired)', error);
    });
    this.#consumer = consumer;
    // A new consumer reads every partition from the group's committed offset.
    this.#dropped.clear();
    this.#rereadNeeded = false;
    const stream = await consumer.consume({
      topics: [kafka.topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: 'earliest',
    });
    this.#stream = stream;
    // A consumer started while stopping only commits what is due: it reads nothing.
    if (this.#stopping) stream.pause();
    else stream.on('data', (message: KafkaMessage) => this.#onMessage(message));
    stream.on('error', (error: Error) => void this.#restartConsumer('consumer stream failed', error));
  }

  #onMessage(message: KafkaMessage): void {
    if (this.#failed) return;
    const now = Date.now();
    const decoded = decodeRecord(
      {
        topic: message.topic,
        partition: message.partition,
        offset: Number(message.offset),
        key: message.key,
        value: message.value,
      },
      this.#options.config.ingest,
    );
    this.#buffer.add(decoded, message.leaderEpoch, now, arrivedBytes(message));
    this.#stats.consumed++;
    this.#stats.lastRecordAt = now;
    if (this.#buffer.footprint >= this.#memory.bufferBytes && !this.#stream!.isPaused()) {
      // @platformatic/kafka cannot pause single partitions: pausing the stream stops all fetching.
      this.#stream!.pause();
    }
    this.#maybeFlush();
  }

  #maybeFlush(): void {
    if (this.#failed || this.#flushing !== null || this.#buffer.count === 0) return;
    // A full buffer is flushed at once: fetching waits for it, whatever the policy's limits say.
    const reason =
      this.#buffer.footprint >= this.#memory.bufferBytes
        ? 'bytes'
        : this.#policy.shouldFlush({
            count: this.#buffer.count,
            bytes: this.#buffer.bytes,
            oldestAgeMs: this.#buffer.oldestAgeMs(Date.now()),
          });
    if (reason !== null) {
      this.#runFlush(reason);
    } else if (this.#ageTimer === undefined) {
      const wait = this.#policy.msUntilAgeFlush(this.#buffer.oldestAgeMs(Date.now()));
      this.#ageTimer = setTimeout(() => {
        this.#ageTimer = undefined;
        this.#maybeFlush();
      }, wait);
    }
  }

  /** Another consumer of the thread begins a write: what this one holds goes with it. */
  #flushWithOthers(): void {
    if (this.#failed || this.#stopping || this.#flushing !== null || this.#buffer.count === 0) return;
    this.#runFlush('joined');
  }

  #runFlush(reason: FlushReason): void {
    clearTimeout(this.#ageTimer);
    this.#ageTimer = undefined;
    this.#dropLostPartitions();
    if (this.#buffer.count === 0) return;
    const now = Date.now();
    const oldestAgeMs = this.#buffer.oldestAgeMs(now);
    // The client replaces the assignment object whenever the partitions change.
    const assignment = this.#consumer?.assignments;
    if (assignment !== this.#assignmentSeen) {
      this.#assignmentSeen = assignment;
      this.#assignmentSeenAt = now;
    }
    // The policy's limits decide when to flush; takeLimits how much of a backlog one flush takes.
    const limits = takeLimits(this.#policy.current(), now - this.#assignmentSeenAt < SETTLE_MS);
    const batch = this.#buffer.take(limits.count, limits.bytes, this.#memory.batchBytes);
    this.#stats.writing = batch.count;
    this.#log.debug({ reason, records: batch.count, left: this.#buffer.count, limits }, 'flush');
    this.#flushing = this.#flush(batch, reason, oldestAgeMs)
      .catch((error: unknown) => {
        // The batch stays uncommitted, so Kafka redelivers it to whoever reads these partitions
        // next. No later batch may be stored and committed past it, and that holds while stopping
        // too: the drain ends here instead of committing the batches behind this one.
        this.#failed = true;
        this.#stats.writing = 0;
        countIn(this.#stats.storeErrors, `failed:${errorKind(error)}`);
        if (this.#stopping) {
          this.#log.error(
            { err: describeError(error), records: batch.count, left: this.#buffer.count },
            'store failed while stopping; this batch and all after it stay uncommitted',
          );
        } else {
          void this.#fail(error, batch.count);
        }
      })
      .finally(() => {
        this.#flushing = null;
        if (
          this.#stream?.isPaused() &&
          !this.#stopping &&
          !this.#restarting &&
          this.#buffer.footprint < this.#memory.bufferBytes / 2
        ) {
          this.#stream.resume();
        }
        if (this.#rereadNeeded && !this.#stopping) {
          void this.#restartConsumer('records were dropped and the partition came back past them');
        } else if (!this.#stopping) this.#maybeFlush();
      });
  }

  /**
   * Buffered records of partitions this member no longer owns are not stored: their new owner reads
   * them from the committed offset (nothing of theirs is committed here), and storing them twice
   * made a backlog cost double when a second worker joined and half the partitions moved to it.
   */
  #dropLostPartitions(): void {
    const assignments = this.#consumer?.assignments;
    // Unknown (no consumer, or not yet in the group): keep everything.
    if (assignments === undefined || assignments === null || assignments.length === 0) return;
    const owned = new Set(assignments.flatMap((a) => a.partitions.map((p) => partitionKey(a.topic, p))));
    const dropped = this.#buffer.dropWhere((topic, partition) => {
      const key = partitionKey(topic, partition);
      if (owned.has(key)) return false;
      this.#dropped.add(key);
      return true;
    });
    if (dropped > 0) {
      this.#stats.droppedForRebalance += dropped;
      this.#log.info({ dropped }, 'left buffered records of partitions now owned by another member to it');
    }
  }

  async #flush(batch: Batch, reason: FlushReason, oldestAgeMs: number): Promise<void> {
    const started = performance.now();
    const safe = await this.#withoutGaps(batch);
    const result =
      safe.count === 0 ? NOTHING_STORED : await this.#retry('store batch', () => this.#write(safe));
    const writeMs = performance.now() - started;
    this.#policy.recordFlush({ count: batch.count, bytes: batch.bytes, writeMs, oldestAgeMs });
    this.#commits.due.stored(safe.positions);
    await this.#commits.commitDue();
    const s = this.#stats;
    // In the same tick as the outcome below: a record is counted as being written or as stored.
    s.writing = 0;
    s.readAgain += batch.count - safe.count;
    s.flushes++;
    s.flushReasons[reason] = (s.flushReasons[reason] ?? 0) + 1;
    s.stored += result.inserted;
    s.duplicates += result.duplicates + result.deadLetterDuplicates;
    s.deadLetters += result.deadLetters;
    for (const d of safe.deadLetters) countIn(s.deadLetterReasons, d.reason);
    for (const [step, ms] of Object.entries(result.stepMs ?? {})) countIn(s.storeStepMs, step, ms);
    s.flushedRecords += safe.count;
    s.flushedBytes += safe.bytes;
    s.lastFlush = { count: batch.count, bytes: batch.bytes, writeMs: Math.round(writeMs), at: Date.now() };
    s.recentWriteMs.push(Math.round(writeMs));
    if (s.recentWriteMs.length > RECENT_WRITES) s.recentWriteMs.shift();
  }

  /**
   * One attempt to store a batch. A client of our own whose writes have failed for STALE_CLIENT_MS
   * running, the last because the store could not be reached, is replaced by a new one before the
   * next attempt: in a chaos round the driver's monitor of one of two clients in a process never
   * saw a restarted FerretDB again (every selection failed for minutes with the monitor's last
   * error, "connection 8 ... closed", while the other client stored); a new client connects at once.
   */
  async #write(batch: Batch): Promise<StoreResult> {
    try {
      const store = this.#store!;
      const outcome = await (this.#options.combiner?.write(batch, store) ?? store.write(batch));
      this.#failingSince = undefined;
      return outcome;
    } catch (error) {
      const failingMs = Date.now() - (this.#failingSince ??= Date.now());
      if (this.#ownStore !== undefined && isUnreachableStoreError(error) && failingMs >= STALE_CLIENT_MS) {
        this.#failingSince = undefined;
        await this.#replaceStore();
      }
      throw error;
    }
  }

  async #replaceStore(): Promise<void> {
    this.#stats.storeClientsReplaced++;
    this.#log.warn(
      { afterMs: STALE_CLIENT_MS },
      'MongoDB unreachable for that long; replacing the client with a new one',
    );
    const old = this.#mongo;
    this.#ownStore?.close();
    void old
      ?.close()
      .catch((e: unknown) => this.#log.warn({ err: describeError(e) }, 'closing the old client failed'));
    this.#store = await this.#openStore();
  }

  /**
   * The batch less the records of partitions that would leave a gap. The rollups count a
   * partition's records above each document's mark, so a batch stored past records nobody stored
   * would make them uncountable for good. That can only follow records this member dropped (see
   * gap-guard.ts): such partitions go to the store only when the batch holds every offset from
   * the group's committed one; the others are left out and the consumer rejoins to read them again.
   */
  async #withoutGaps(batch: Batch): Promise<Batch> {
    const consumer = this.#consumer;
    const suspect = batch.positions.filter((p) => this.#dropped.has(partitionKey(p.topic, p.partition)));
    if (consumer === undefined || suspect.length === 0) return batch;
    let committed = new Map<string, bigint[]>();
    let applied: Record<string, number> = {};
    try {
      [committed, applied] = await Promise.all([
        consumer.listCommittedOffsets({ topics: byTopic(suspect) }),
        this.#store?.appliedThrough?.() ?? {},
      ]);
    } catch (error) {
      // Unknown offsets cover nothing: these partitions are read again, which is always safe.
      this.#log.warn({ err: describeError(error) }, 'could not read committed offsets before a store');
    }
    const gaps = suspect.filter(
      (p) =>
        !coversFromCommitted(
          committed.get(p.topic)?.[p.partition] ?? -1n,
          applied[partitionKey(p.topic, p.partition)] ?? -1,
          offsetsIn(batch, p.topic, p.partition),
          p.offset,
        ),
    );
    if (gaps.length === 0) return batch;
    this.#rereadNeeded = true;
    const keys = new Set(gaps.map((p) => partitionKey(p.topic, p.partition)));
    this.#log.warn(
      { partitions: gaps.map((p) => `${p.topic}:${p.partition}`) },
      'records dropped at a rebalance were not read again; storing nothing of these partitions until the consumer rejoins and reads them',
    );
    return withoutPartitions(batch, (topic, partition) => keys.has(partitionKey(topic, partition)));
  }

  #retry<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, {
      baseMs: 200,
      maxMs: 5_000,
      giveUp: () => Date.now() > this.#stopDeadline,
      isRetriable: (error) =>
        isRetriableStoreError(error) || (error as { retriable?: boolean }).retriable === true,
      onRetry: (error, attempt, delayMs) => {
        this.#stats.storeRetries++;
        countIn(this.#stats.storeErrors, `retried:${errorKind(error)}`);
        this.#log.warn(
          { err: describeError(error), kind: errorKind(error), attempt, delayMs },
          `${what} failed; retrying`,
        );
      },
    });
  }

  /**
   * Stores what we have, then rejoins, reading every partition from the group's committed offset:
   * after the stream died (broker gone past the client's retries), or to re-read dropped records.
   */
  #restartConsumer(reason: string, error?: Error): Promise<void> {
    if (this.#stopping || this.#restarting) return Promise.resolve();
    this.#restart = this.#rejoin(reason, error);
    return this.#restart;
  }

  /**
   * Whether a consumer is wanted: until `stop`, and during it while commits are due within its
   * grace (stored records whose commit failed, often with the broker whose death also ended the
   * stream: without a consumer they could never be committed).
   */
  #wantsConsumer(): boolean {
    return !this.#stopping || (this.#commits.due.size > 0 && Date.now() < this.#stopDeadline);
  }

  async #rejoin(reason: string, error?: Error): Promise<void> {
    this.#restarting = true;
    this.#stats.consumerRestarts++;
    if (error === undefined) this.#log.warn(`${reason}; restarting the consumer`);
    else this.#log.error({ err: describeError(error) }, `${reason}; restarting the consumer`);
    try {
      // Store only what is buffered: the new consumer reads everything after it.
      this.#stream?.pause();
      await this.#drain();
      await this.#closeConsumer();
      for (let attempt = 1; this.#wantsConsumer(); attempt++) {
        const wait = backoffDelay(CONSUMER_RESTART, attempt);
        await sleep(this.#stopping ? Math.min(wait, Math.max(0, this.#stopDeadline - Date.now())) : wait);
        try {
          await this.#startConsumer();
          break;
        } catch (startError) {
          this.#log.warn({ err: describeError(startError), attempt }, 'consumer restart failed; retrying');
          await this.#closeConsumer();
        }
      }
    } finally {
      this.#restarting = false;
      this.#restart = undefined;
    }
  }

  /** Waits for the flush in flight, then flushes whatever remains. */
  async #drain(): Promise<void> {
    while (!this.#failed && (this.#flushing !== null || this.#buffer.count > 0)) {
      if (this.#flushing === null) this.#runFlush('drain');
      await this.#flushing;
    }
  }

  /**
   * A store error no retry can help with (the server rejected the batch): stop fetching, commit
   * nothing more, leave the group, and report. The pool replaces the worker; the records are
   * redelivered from the last commit, so nothing is lost, and a batch the store keeps rejecting
   * stops its partitions loudly instead of being skipped.
   */
  async #fail(error: unknown, records: number): Promise<void> {
    this.#failed = true;
    this.#log.error(
      { err: describeError(error), records },
      'store rejected a batch; worker stops uncommitted',
    );
    // The usual stop, with nothing left to drain: #drain stores nothing once #failed is set.
    await this.stop().catch((stopError: unknown) =>
      this.#log.warn({ err: describeError(stopError) }, 'stopping the failed worker did not finish cleanly'),
    );
    this.#options.onFatal?.(error);
  }

  async #closeConsumer(): Promise<void> {
    const stream = this.#stream;
    const consumer = this.#consumer;
    this.#stream = undefined;
    this.#consumer = undefined;
    await stream?.close().catch(() => undefined);
    // Closing leaves the group at once; a member that just disappears holds its partitions until
    // the session timeout expires.
    await consumer
      ?.close(true)
      .catch((e: unknown) => this.#log.warn({ err: describeError(e) }, 'consumer close failed'));
  }

  /** Stop fetching, store and commit what was read, leave the group. */
  async stop(graceMs = this.#options.stopGraceMs ?? 30_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stopDeadline = Date.now() + graceMs;
    this.#stream?.pause();
    clearTimeout(this.#ageTimer);
    await this.#drain();
    await this.#restart;
    await this.#commits.commitWithinGrace(this.#stopDeadline);
    await this.#closeConsumer();
    this.#commits.cancel();
    clearInterval(this.#statsTimer);
    this.#leaveCombiner?.();
    this.#options.onStats(this.stats);
    this.#ownStore?.close();
    await this.#mongo?.close();
  }
}
