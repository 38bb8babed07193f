import type { DeadLetter, DeviceEvent } from '../events/event.ts';
import type { StoreBatch } from '../store/event-store.ts';

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** Highest offset in the buffer for this partition. */
  offset: number;
  leaderEpoch: number;
}

/** What one flush takes: the records to store and, per partition, how far they reach. */
export interface Batch extends StoreBatch {
  count: number;
  bytes: number;
  positions: PartitionPosition[];
}

/** Records read but not yet stored, with their byte total and the age of the oldest. */
export class BatchBuffer {
  #events: DeviceEvent[] = [];
  #deadLetters: DeadLetter[] = [];
  #positions = new Map<string, PartitionPosition>();
  #bytes = 0;
  #oldestAt = 0;

  get count(): number {
    return this.#events.length + this.#deadLetters.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  oldestAgeMs(now: number): number {
    return this.count === 0 ? 0 : now - this.#oldestAt;
  }

  add(
    record: { ok: true; event: DeviceEvent } | { ok: false; deadLetter: DeadLetter },
    leaderEpoch: number,
    now: number,
  ): void {
    if (this.count === 0) this.#oldestAt = now;
    const r = record.ok ? record.event : record.deadLetter;
    if (record.ok) this.#events.push(record.event);
    else this.#deadLetters.push(record.deadLetter);
    this.#bytes += r.bytes;
    const key = `${r.topic}\u0000${r.partition}`;
    const position = this.#positions.get(key);
    if (position === undefined) {
      this.#positions.set(key, { topic: r.topic, partition: r.partition, offset: r.offset, leaderEpoch });
    } else if (r.offset > position.offset) {
      position.offset = r.offset;
      position.leaderEpoch = leaderEpoch;
    }
  }

  /** Hands over everything buffered and starts empty. */
  take(): Batch {
    const batch: Batch = {
      events: this.#events,
      deadLetters: this.#deadLetters,
      count: this.count,
      bytes: this.#bytes,
      positions: [...this.#positions.values()],
    };
    this.#events = [];
    this.#deadLetters = [];
    this.#positions = new Map();
    this.#bytes = 0;
    return batch;
  }
}
