/**
 * When to grow the topic: a pure decision over periodic observations of end offsets and lag.
 *
 * Rule, evaluated after each observation (one per interval):
 * - rate: records appended per second over the last interval, from end-offset deltas;
 * - grow for rate when, for `sustainIntervals` intervals in a row, the rate per partition exceeded
 *   `headroom` x `partitionCapacity` (records/s one worker sustains, measured by
 *   `ipstream bench pipeline`): the new count is what keeps each partition under that share;
 * - grow for lag when total lag rose in each of the last `lagIntervals` intervals while it was
 *   above `minLag`: consumers are falling behind whatever the rate says, so add half as many again;
 * - never beyond `maxPartitions`, never shrink (Kafka cannot), and not again within
 *   `cooldownIntervals` after a change, so that new partitions and rebalanced workers can settle.
 */
export interface PartitionPolicyOptions {
  maxPartitions: number;
  partitionCapacity: number;
  headroom: number;
  sustainIntervals: number;
  lagIntervals: number;
  minLag: number;
  cooldownIntervals: number;
}

/**
 * Records/s one ingest worker sustains end to end against FerretDB 1.24 on a 2-core machine:
 * 1,400-1,600 in `npm run bench` (one worker, adaptive and 5000-record batches, README). The store
 * is the limit, so measure yours with `ipstream bench pipeline` and pass --partition-capacity
 * (MongoDB takes rollup updates in bulk and sustains many times this).
 */
export const DEFAULT_PARTITION_CAPACITY = 1500;

export const DEFAULT_PARTITION_POLICY: Omit<PartitionPolicyOptions, 'maxPartitions' | 'partitionCapacity'> = {
  headroom: 0.7,
  sustainIntervals: 3,
  lagIntervals: 5,
  minLag: 1000,
  cooldownIntervals: 6,
};

export interface Observation {
  atMs: number;
  partitions: number;
  /** Sum of end offsets over all partitions. */
  totalEnd: number;
  totalLag: number;
}

export interface ScaleDecision {
  partitions: number;
  reason: string;
}

export class PartitionPolicy {
  readonly #options: PartitionPolicyOptions;
  readonly #history: Observation[] = [];
  #hotIntervals = 0;
  #risingIntervals = 0;
  #cooldown = 0;

  constructor(options: PartitionPolicyOptions) {
    if (!(options.partitionCapacity > 0)) throw new RangeError('partitionCapacity must be > 0');
    if (!(options.headroom > 0 && options.headroom <= 1)) throw new RangeError('headroom must be in (0, 1]');
    this.#options = options;
  }

  /** Records one observation; returns a decision to grow, or null. */
  observe(o: Observation): ScaleDecision | null {
    const previous = this.#history.at(-1);
    this.#history.push(o);
    if (this.#history.length > 100) this.#history.shift();
    if (previous === undefined || o.atMs <= previous.atMs) return null;
    const rate = ((o.totalEnd - previous.totalEnd) * 1000) / (o.atMs - previous.atMs);
    const perPartition = rate / o.partitions;
    const limit = this.#options.partitionCapacity * this.#options.headroom;
    this.#hotIntervals = perPartition > limit ? this.#hotIntervals + 1 : 0;
    this.#risingIntervals =
      o.totalLag > previous.totalLag && o.totalLag > this.#options.minLag ? this.#risingIntervals + 1 : 0;
    if (this.#cooldown > 0) {
      this.#cooldown--;
      return null;
    }
    let decision: ScaleDecision | null = null;
    if (this.#hotIntervals >= this.#options.sustainIntervals) {
      decision = {
        partitions: Math.ceil(rate / limit),
        reason: `${Math.round(rate)} records/s is ${Math.round(perPartition)} per partition for ${this.#hotIntervals} intervals, above ${Math.round(limit)} (${this.#options.headroom} x measured capacity ${this.#options.partitionCapacity})`,
      };
    } else if (this.#risingIntervals >= this.#options.lagIntervals) {
      decision = {
        partitions: Math.ceil(o.partitions * 1.5),
        reason: `lag rose for ${this.#risingIntervals} intervals to ${o.totalLag}`,
      };
    }
    if (decision === null) return null;
    const partitions = Math.min(this.#options.maxPartitions, Math.max(decision.partitions, o.partitions));
    if (partitions <= o.partitions) return null;
    this.#cooldown = this.#options.cooldownIntervals;
    this.#hotIntervals = 0;
    this.#risingIntervals = 0;
    return { partitions, reason: decision.reason };
  }
}
