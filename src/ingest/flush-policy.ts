/**
 * When the ingest buffer is written to MongoDB: a pure policy (no clock, no I/O) that the buffer
 * asks after each record and tells about each finished write.
 *
 * Triggers: a buffer with at least one record is flushed as soon as any of these holds (checked in
 * this order, which is the reason reported): the worker is draining ('drain'), count ≥ countLimit
 * ('count'), bytes ≥ bytesLimit ('bytes'), the oldest record has waited maxAgeMs ('age'). maxAgeMs
 * bounds how stale stored data can be; the two size limits bound how long one write takes.
 *
 * Adaptation (unless `adaptive: false`, which keeps the configured limits for the whole run).
 * After every flush the caller reports {count, bytes, writeMs, oldestAgeMs?}; then:
 *
 * 1. Cost. Exponentially weighted averages (weight `smoothing` for the newest flush) of count,
 *    bytes and writeMs give msPerRecord = avg(writeMs) / avg(count) and msPerByte =
 *    avg(writeMs) / avg(bytes). These are all-in costs: the fixed per-write overhead is spread over
 *    the batch. Ratios of averages, not averages of ratios, so a one-record drain flush that is all
 *    overhead barely moves them.
 * 2. Latency goal. countGoal = targetWriteMs / msPerRecord and bytesGoal = targetWriteMs /
 *    msPerByte: the batch that, at the observed cost, takes targetWriteMs to write. Whichever limit
 *    is hit first bounds the write, so a shift to bigger or smaller records stays covered. For a
 *    store costing c + a·count the iteration n ← T·n / (c + a·n) settles exactly where
 *    c + a·n = T (it is a contraction there, slope c/T < 1).
 * 3. Evidence bounds. A flush that missed the target (writeMs > targetWriteMs) never grows a
 *    limit, whatever the averages say while they catch up with a store that just slowed down. A
 *    flush that met it never pulls a limit below that flush's own size, which it just showed to be
 *    fine. A limit that did not cut the batch (say bytes, while count did) still moves to its goal,
 *    so it stays ready for a change in record size.
 * 4. Throughput floor (no tiny batches). When the caller reports oldestAgeMs (how long the batch
 *    took to fill), the arrival rate is avg(count) / avg(oldestAgeMs), and likewise for bytes. A
 *    limit never goes below rate × min(avg(writeMs), maxAgeMs): what arrives while one batch is
 *    being written. Below that, batches fill faster than a writer empties them, every extra write
 *    pays the per-write overhead again, and lag grows without bound; missing the latency target is
 *    the lesser harm. (When even the fixed overhead exceeds the target, shrinking cannot help
 *    latency at all, and the floor is what stops the limit from collapsing to minCount.) The cap
 *    at maxAgeMs is because batches larger than what maxAgeMs collects never form anyway.
 *    In a quiet spell, small age-triggered batches are mostly overhead, so the goals drift down
 *    toward the conservative size that overhead predicts (never below the batches actually seen);
 *    when traffic returns, the floor and ×maxStep growth restore the limits within a few flushes.
 * 5. Gradual and bounded. The new limit is the larger of goal and floor, moved at most ×maxStep or
 *    ÷maxStep from the current limit, then clamped to [minCount, maxCount] / [minBytes, maxBytes]
 *    and rounded to an integer. The same policy serves one buffer (one worker); workers adapt
 *    independently.
 *
 * shouldFlush runs once per buffered record, so it is a few comparisons with no allocation.
 */
import { SETTINGS } from '../config/index.ts';
import { ConfigError, ValidationError } from '../errors/index.ts';

/**
 * Why a flush began: its buffer's age, count or bytes, a drain at stop, or `joined`: another
 * consumer of its thread began a write, and its records went with it (write-combiner.ts).
 */
export type FlushReason = 'age' | 'count' | 'bytes' | 'drain' | 'joined';

export interface FlushPolicyOptions {
  /** Flush once the oldest buffered record is this old (ms). Default 1000. */
  maxAgeMs?: number;
  /** Tune the size limits toward targetWriteMs (default true); false keeps them fixed. */
  adaptive?: boolean;
  /** Write latency per flush the adaptive limits aim for (ms). Default 250. */
  targetWriteMs?: number;
  /** Initial record count limit (the fixed one when not adaptive). Default 5000. */
  countLimit?: number;
  /** Same as countLimit, under the name the ingestor's settings use. */
  initialCount?: number;
  /** Bounds of the count limit. Defaults 100 and 100 000 (MongoDB's largest write batch), widened to include countLimit. */
  minCount?: number;
  maxCount?: number;
  /** Initial byte limit (the fixed one when not adaptive). Default 4 MiB. */
  bytesLimit?: number;
  /** Same as bytesLimit, under the name the ingestor's settings use. */
  initialBytes?: number;
  /** Bounds of the byte limit. Defaults 64 KiB and 16 MiB, widened to include bytesLimit. */
  minBytes?: number;
  maxBytes?: number;
  /** Weight of the newest flush in the running averages, in (0, 1]. Default 0.3. */
  smoothing?: number;
  /** Largest factor a limit moves by in one step, ≥ 1. Default 2. */
  maxStep?: number;
}

export interface BufferState {
  count: number;
  bytes: number;
  /** Age of the oldest buffered record (ms); ignored when count is 0. */
  oldestAgeMs: number;
  /** The worker is stopping or rebalancing: flush whatever is buffered. */
  draining?: boolean;
}

export interface FlushOutcome {
  count: number;
  bytes: number;
  /** How long the write took (ms). */
  writeMs: number;
  /** Age of the batch's oldest record when the flush started (ms): how long it took to fill. */
  oldestAgeMs?: number;
}

export interface FlushPolicySnapshot {
  adaptive: boolean;
  maxAgeMs: number;
  targetWriteMs: number;
  countLimit: number;
  bytesLimit: number;
  minCount: number;
  maxCount: number;
  minBytes: number;
  maxBytes: number;
  /** Flushes reported so far (including empty ones). */
  flushes: number;
  /** Smoothed cost estimates; null until a non-empty flush was reported. */
  ewmaMsPerRecord: number | null;
  ewmaMsPerByte: number | null;
  ewmaWriteMs: number | null;
  /** Smoothed arrival rates; null until a flush reported oldestAgeMs. */
  recordsPerSecond: number | null;
  bytesPerSecond: number | null;
}

export interface FlushPolicy {
  shouldFlush(state: BufferState): FlushReason | null;
  /** Milliseconds until the age trigger fires for a buffer whose oldest record is this old (≥ 0). */
  msUntilAgeFlush(oldestAgeMs: number): number;
  /** Reports a finished write; adapts the limits unless the policy is fixed. */
  recordFlush(stats: FlushOutcome): void;
  current(): FlushPolicySnapshot;
}

/**
 * The most one flush takes from the buffer. A fixed policy takes exactly its limits (FLUSH_COUNT
 * and FLUSH_BYTES with FLUSH_ADAPTIVE=false mean what they say, even with a backlog). An adaptive
 * one takes up to its hard bounds: a backlog that piled up while the previous write ran goes out in
 * one larger batch, because a store that is behind catches up fastest with fewer, larger writes
 * (rollups cost per distinct device and bucket in a batch, not per record).
 *
 * Except while the member's partitions are `settling` (they changed moments ago, as when members
 * join one after another): then it takes only its limits. A partition that moves to another member
 * is read again by it from the committed offset, so what a write in flight holds of it is stored
 * twice, and a backlog taken whole by the first member to join held whole partitions of the next.
 */
export function takeLimits(policy: FlushPolicySnapshot, settling = false): { count: number; bytes: number } {
  return policy.adaptive && !settling
    ? { count: policy.maxCount, bytes: policy.maxBytes }
    : { count: policy.countLimit, bytes: policy.bytesLimit };
}

const DEFAULTS = {
  maxAgeMs: SETTINGS.ingest.flushIntervalMs.default,
  targetWriteMs: SETTINGS.ingest.targetFlushMs.default,
  count: { initial: SETTINGS.ingest.flushCount.default, min: 100, max: 100_000 },
  bytes: { initial: SETTINGS.ingest.flushBytes.default, min: 64 * 1024, max: 16 * 1024 * 1024 },
  smoothing: 0.3,
  maxStep: 2,
} as const;

function invalid(message: string): ConfigError {
  return new ConfigError(`flush policy: ${message}`);
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function alias(
  name: string,
  value: number | undefined,
  otherName: string,
  other: number | undefined,
): number | undefined {
  if (value !== undefined && other !== undefined && value !== other) {
    throw invalid(`${name} (${value}) and ${otherName} (${other}) name the same setting but differ`);
  }
  return value ?? other;
}

/** The options that set each limit: the limit (under either of its names) and its bounds. */
const LIMIT_OPTIONS = {
  count: { limit: 'countLimit', alias: 'initialCount', min: 'minCount', max: 'maxCount' },
  bytes: { limit: 'bytesLimit', alias: 'initialBytes', min: 'minBytes', max: 'maxBytes' },
} as const;

/**
 * A limit and its bounds, each defaulted so that explicit settings always fit together: default
 * bounds widen to include an explicit limit or the other bound, and the default limit is clamped
 * into explicit bounds. Only contradictory explicit values are refused.
 */
function resolveLimit(
  name: 'count' | 'bytes',
  options: FlushPolicyOptions,
): { initial: number; min: number; max: number } {
  const keys = LIMIT_OPTIONS[name];
  const initial = alias(keys.limit, options[keys.limit], keys.alias, options[keys.alias]);
  const min = options[keys.min];
  const max = options[keys.max];
  const defaults = DEFAULTS[name];
  if (initial !== undefined) positiveInteger(`${name} limit`, initial);
  if (min !== undefined) positiveInteger(`${name} minimum`, min);
  if (max !== undefined) positiveInteger(`${name} maximum`, max);
  const lo = min ?? Math.min(defaults.min, initial ?? Infinity, max ?? Infinity);
  const hi = max ?? Math.max(defaults.max, initial ?? 0, min ?? 0);
  const start = initial ?? clamp(defaults.initial, lo, hi);
  if (!(lo <= start && start <= hi)) {
    throw invalid(`${name} bounds must satisfy minimum ≤ limit ≤ maximum, got ${lo} ≤ ${start} ≤ ${hi}`);
  }
  return { initial: start, min: lo, max: hi };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export function createFlushPolicy(options: FlushPolicyOptions = {}): FlushPolicy {
  const maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? DEFAULTS.maxAgeMs);
  const targetWriteMs = positive('targetWriteMs', options.targetWriteMs ?? DEFAULTS.targetWriteMs);
  const adaptive = options.adaptive ?? true;
  if (typeof adaptive !== 'boolean') throw invalid('adaptive must be true or false');

  const counts = resolveLimit('count', options);
  const minCount = counts.min;
  const maxCount = counts.max;
  let countLimit = counts.initial;
  const sizes = resolveLimit('bytes', options);
  const minBytes = sizes.min;
  const maxBytes = sizes.max;
  let bytesLimit = sizes.initial;

  const smoothing = options.smoothing ?? DEFAULTS.smoothing;
  if (!(typeof smoothing === 'number' && smoothing > 0 && smoothing <= 1)) {
    throw invalid(`smoothing must be in (0, 1], got ${String(smoothing)}`);
  }
  const maxStep = options.maxStep ?? DEFAULTS.maxStep;
  if (!(typeof maxStep === 'number' && Number.isFinite(maxStep) && maxStep >= 1)) {
    throw invalid(`maxStep must be a finite number ≥ 1, got ${String(maxStep)}`);
  }

  let flushes = 0;
  // Running averages; `haveCost` / `haveRate` say whether they hold any sample yet.
  let haveCost = false;
  let avgCount = 0;
  let avgBytes = 0;
  let avgWriteMs = 0;
  let haveRate = false;
  let rateCount = 0;
  let rateBytes = 0;
  let rateFillMs = 0;

  const ewma = (avg: number, sample: number, first: boolean): number =>
    first ? sample : avg + smoothing * (sample - avg);

  /** One adaptation step for a limit; see rules 2-5 in the file header. */
  function step(
    old: number,
    goal: number,
    floor: number,
    seen: number,
    met: boolean,
    lo: number,
    hi: number,
  ): number {
    let next = met ? Math.max(goal, Math.min(old, seen)) : Math.min(goal, old);
    if (next < floor) next = floor;
    next = clamp(next, old / maxStep, old * maxStep);
    return Math.round(clamp(next, lo, hi));
  }

  return {
    shouldFlush(state: BufferState): FlushReason | null {
      if (state.count <= 0) return null;
      if (state.draining === true) return 'drain';
      if (state.count >= countLimit) return 'count';
      if (state.bytes >= bytesLimit) return 'bytes';
      if (state.oldestAgeMs >= maxAgeMs) return 'age';
      return null;
    },

    msUntilAgeFlush(oldestAgeMs: number): number {
      const ms = maxAgeMs - oldestAgeMs;
      return ms > 0 ? ms : 0;
    },

    recordFlush(stats: FlushOutcome): void {
      const { count, bytes, writeMs, oldestAgeMs } = stats;
      const bad =
        !Number.isSafeInteger(count) ||
        count < 0 ||
        !Number.isFinite(bytes) ||
        bytes < 0 ||
        !Number.isFinite(writeMs) ||
        writeMs < 0 ||
        (oldestAgeMs !== undefined && (!Number.isFinite(oldestAgeMs) || oldestAgeMs < 0));
      if (bad) {
        throw new ValidationError(
          'FLUSH_STATS_INVALID',
          `flush statistics must be finite and non-negative: ${JSON.stringify(stats)}`,
        );
      }
      flushes++;
      if (count === 0) return; // nothing was written, nothing learned

      avgCount = ewma(avgCount, count, !haveCost);
      avgBytes = ewma(avgBytes, bytes, !haveCost);
      avgWriteMs = ewma(avgWriteMs, writeMs, !haveCost);
      haveCost = true;
      if (oldestAgeMs !== undefined && oldestAgeMs > 0) {
        rateCount = ewma(rateCount, count, !haveRate);
        rateBytes = ewma(rateBytes, bytes, !haveRate);
        rateFillMs = ewma(rateFillMs, oldestAgeMs, !haveRate);
        haveRate = true;
      }
      if (!adaptive) return;

      // A zero cost (writes faster than the clock) means "no limit needed": the goal is infinite
      // and the step bound makes it a doubling.
      const countGoal = avgWriteMs > 0 ? (targetWriteMs * avgCount) / avgWriteMs : Infinity;
      const bytesGoal = avgWriteMs > 0 && avgBytes > 0 ? (targetWriteMs * avgBytes) / avgWriteMs : Infinity;
      const busyMs = Math.min(avgWriteMs, maxAgeMs);
      const countFloor = haveRate ? (rateCount / rateFillMs) * busyMs : 0;
      const bytesFloor = haveRate ? (rateBytes / rateFillMs) * busyMs : 0;
      const met = writeMs <= targetWriteMs;
      countLimit = step(countLimit, countGoal, countFloor, count, met, minCount, maxCount);
      bytesLimit = step(bytesLimit, bytesGoal, bytesFloor, bytes, met, minBytes, maxBytes);
    },

    current(): FlushPolicySnapshot {
      return {
        adaptive,
        maxAgeMs,
        targetWriteMs,
        countLimit,
        bytesLimit,
        minCount,
        maxCount,
        minBytes,
        maxBytes,
        flushes,
        ewmaMsPerRecord: haveCost ? avgWriteMs / avgCount : null,
        ewmaMsPerByte: haveCost && avgBytes > 0 ? avgWriteMs / avgBytes : null,
        ewmaWriteMs: haveCost ? avgWriteMs : null,
        recordsPerSecond: haveRate ? (rateCount / rateFillMs) * 1000 : null,
        bytesPerSecond: haveRate ? (rateBytes / rateFillMs) * 1000 : null,
      };
    },
  };
}
