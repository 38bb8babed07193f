import { type DeadLetter, type DeviceEvent, partitionKey } from '../events/index.ts';
import type { StoreBatch } from '../store/index.ts';

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** Highest offset in the batch for this partition. */
  offset: number;
  leaderEpoch: number;
}

/** What one flush takes: the records to store and, per partition, how far they reach. */
export interface Batch extends StoreBatch {
  count: number;
  bytes: number;
  positions: PartitionPosition[];
}

type Decoded = { ok: true; event: DeviceEvent } | { ok: false; deadLetter: DeadLetter };

interface Entry {
  record: DeviceEvent | DeadLetter;
  ok: boolean;
  leaderEpoch: number;
  arrivedAt: number;
  /** What the record weighed when it arrived: key, value and headers. */
  arrivedBytes: number;
}

/**
 * Heap a buffered record holds beyond its value bytes (the decoded event or dead letter object and
 * its strings): 258 bytes measured for the seed's records on Node 24. Memory bounds count it, or a
 * backlog of small records would fill many times the configured budget.
 */
export const RECORD_OVERHEAD_BYTES = 256;

/**
 * Records read but not yet stored, in arrival order. A flush takes a prefix of at most the policy's
 * limits, so batch sizes follow the flush policy even when records arrive faster than the store
 * takes them; the rest waits (and fetching pauses once the buffer holds its byte budget).
 */
export class BatchBuffer {
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #arrivedBytes = 0;

  get count(): number {
    return this.#entries.length - this.#head;
  }

  /** Value bytes buffered: what flush byte limits count. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Estimated memory the buffered records hold: what the fetch-pause bound counts. Each record as it
   * arrived (key, value and headers: a record with an empty value and a key of megabytes costs its
   * key), plus the decoded object's own overhead.
   */
  get footprint(): number {
    return this.#arrivedBytes + this.count * RECORD_OVERHEAD_BYTES;
  }

  oldestAgeMs(now: number): number {
    return this.count === 0 ? 0 : now - this.#entries[this.#head]!.arrivedAt;
  }

  /** Buffers a decoded record; `arrivedBytes` is its size as fetched (default: its value's). */
  add(decoded: Decoded, leaderEpoch: number, now: number, arrivedBytes?: number): void {
    const record = decoded.ok ? decoded.event : decoded.deadLetter;
    const weight = Math.max(arrivedBytes ?? record.bytes, record.bytes);
    this.#entries.push({ record, ok: decoded.ok, leaderEpoch, arrivedAt: now, arrivedBytes: weight });
    this.#bytes += record.bytes;
    this.#arrivedBytes += weight;
  }

  /**
   * Forgets the records of partitions `keep` refuses; returns how many. Used for partitions that
   * moved to another member: it reads them again from the group's committed offset, so storing
   * them here too would only do the work twice.
   */
  dropWhere(drop: (topic: string, partition: number) => boolean): number {
    const kept: Entry[] = [];
    let dropped = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (drop(entry.record.topic, entry.record.partition)) {
        dropped++;
        this.#bytes -= entry.record.bytes;
        this.#arrivedBytes -= entry.arrivedBytes;
      } else kept.push(entry);
    }
    if (dropped > 0) {
      this.#entries = kept;
      this.#head = 0;
    }
    return dropped;
  }

  /**
   * Hands over the oldest records (at least one): at most maxCount of them, about maxBytes of
   * values and about maxFootprint of memory as `footprint` counts it.
   */
  take(maxCount = Infinity, maxBytes = Infinity, maxFootprint = Infinity): Batch {
    const events: DeviceEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const positions = new Map<string, PartitionPosition>();
    let bytes = 0;
    let arrived = 0;
    let i = this.#head;
    for (; i < this.#entries.length && i - this.#head < maxCount; i++) {
      const entry = this.#entries[i]!;
      if (i > this.#head && bytes + entry.record.bytes > maxBytes) break;
      if (
        i > this.#head &&
        arrived + entry.arrivedBytes + (i - this.#head + 1) * RECORD_OVERHEAD_BYTES > maxFootprint
      ) {
        break;
      }
      const r = entry.record;
      if (entry.ok) events.push(r as DeviceEvent);
      else deadLetters.push(r as DeadLetter);
      bytes += r.bytes;
      arrived += entry.arrivedBytes;
      const key = partitionKey(r.topic, r.partition);
      const position = positions.get(key);
      if (position === undefined) {
        positions.set(key, {
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          leaderEpoch: entry.leaderEpoch,
        });
      } else if (r.offset > position.offset) {
        position.offset = r.offset;
        position.leaderEpoch = entry.leaderEpoch;
      }
    }
    const count = i - this.#head;
    this.#head = i;
    this.#bytes -= bytes;
    this.#arrivedBytes -= arrived;
    // Compact once the taken prefix dominates, so the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return { events, deadLetters, count, bytes, positions: [...positions.values()] };
  }
}

/** One partition's offsets in a batch. */
export function offsetsIn(batch: Batch, topic: string, partition: number): number[] {
  const offsets: number[] = [];
  for (const records of [batch.events, batch.deadLetters]) {
    for (const r of records) if (r.partition === partition && r.topic === topic) offsets.push(r.offset);
  }
  return offsets;
}

/** The batch without the records of the partitions `drop` names. */
export function withoutPartitions(batch: Batch, drop: (topic: string, partition: number) => boolean): Batch {
  const keep = <R extends DeviceEvent | DeadLetter>(records: R[]): R[] =>
    records.filter((r) => !drop(r.topic, r.partition));
  const events = keep(batch.events);
  const deadLetters = keep(batch.deadLetters);
  let bytes = 0;
  for (const r of events) bytes += r.bytes;
  for (const r of deadLetters) bytes += r.bytes;
  return {
    events,
    deadLetters,
    count: events.length + deadLetters.length,
    bytes,
    positions: batch.positions.filter((p) => !drop(p.topic, p.partition)),
  };
}
