/**
 * The records of the pipeline benchmark, shared by the process that produces them and the workers
 * that write the same events straight into the store: one seeded synthetic stream, the partition
 * Kafka puts each record on, and the events the decoder makes of them.
 */
import { murmur2 } from '@platformatic/kafka';
import {
  createEventGenerator,
  type Decoded,
  type DecodeLimits,
  decodeRecord,
  DEFAULT_START_MS,
} from '../../src/events/index.ts';
import type { OutgoingRecord } from '../../src/kafka/index.ts';
import { DAY_MS } from '../../src/store/index.ts';

export interface BenchStream {
  /** Records in the stream. */
  count: number;
  devices: number;
  seed: number;
  /**
   * Earliest event time (epoch ms; events spread over the hour after it). Default: the
   * generator's, so a stream without it is exactly `syntheticRecords` of src/producer/sources.ts.
   */
  startMs?: number;
  /**
   * How long after startMs the events spread over (default an hour, a backfill). A minute stands
   * for live traffic: every event falls into the current minute, whose documents every batch
   * rewrites.
   */
  spreadMs?: number;
}

/** The spread of each way of stamping a bench stream: `live` puts every event into one minute. */
export const TIMESTAMP_SPREADS = { backfill: undefined, live: 60_000 } as const;
export type TimestampMode = keyof typeof TIMESTAMP_SPREADS;

/** The stream's records, keyed by their device_ip as sent (the producer's synthetic source, shifted in time). */
export function* benchRecords(stream: BenchStream): Generator<OutgoingRecord> {
  const generator = createEventGenerator({
    seed: stream.seed,
    devices: stream.devices,
    ...(stream.startMs === undefined ? {} : { startMs: stream.startMs }),
    ...(stream.spreadMs === undefined ? {} : { spreadMs: stream.spreadMs }),
  });
  for (let i = 0; i < stream.count; i++) {
    const { key, value } = generator.next();
    yield { key, value };
  }
}

/** The canonical addresses of the stream's device pool (every device it can send from). */
export function streamDevices(stream: Pick<BenchStream, 'seed' | 'devices'>): readonly string[] {
  return createEventGenerator({ seed: stream.seed, devices: stream.devices }).devices;
}

/**
 * Events per stored device in a prefilled database, and the days before the phases they span (the
 * loader writes every bucket of those days: a week of minutes was 7 times the documents of a day,
 * and the load time grew with them).
 */
export const PREFILL_EVENTS_PER_DEVICE = 2;
export const PREFILL_DAYS = 1;

/**
 * The streams of the k-th (workers, batch) configuration of a level: the raw and store ceilings
 * write one (the same records, under two topic names), end to end and the brief drain the other.
 * Each on a day of its own after the prefilled days, from a device pool of its own; the same at
 * every level, so levels compare like with like.
 */
export function phaseStreams(base: BenchStream, k: number): { store: BenchStream; e2e: BenchStream } {
  const start = DEFAULT_START_MS;
  return {
    store: { ...base, seed: base.seed + 2 * k + 1, startMs: start + 2 * k * DAY_MS },
    e2e: { ...base, seed: base.seed + 2 * k + 2, startMs: start + (2 * k + 1) * DAY_MS },
  };
}

/** The partition EventProducer's partitioner (Java-compatible murmur2) gives a keyed record. */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/**
 * The decoded records of the given partitions, exactly as a consumer of `topic` would decode them
 * (same partition, same offset, so the same _id and rollup keys), partition after partition in
 * offset order: the order in which a consumer with a backlog receives them, since one fetch returns
 * a long run of each partition.
 */
export function decodedRecords(
  stream: BenchStream,
  topic: string,
  partitions: number,
  owned: readonly number[],
  limits: DecodeLimits,
): Decoded[] {
  const byPartition = new Map<number, Decoded[]>(owned.map((p) => [p, []]));
  const offsets = new Array<number>(partitions).fill(0);
  for (const record of benchRecords(stream)) {
    const key = String(record.key);
    const partition = partitionOf(key, partitions);
    const offset = offsets[partition] ?? 0;
    offsets[partition] = offset + 1;
    const list = byPartition.get(partition);
    if (list === undefined) continue;
    list.push(
      decodeRecord(
        {
          topic,
          partition,
          offset,
          key: Buffer.from(key, 'utf8'),
          value: Buffer.from(String(record.value), 'utf8'),
        },
        limits,
      ),
    );
  }
  return [...owned].sort((a, b) => a - b).flatMap((p) => byPartition.get(p) ?? []);
}

/**
 * Live events for the latency run: stamped with the current time, plus `sent_at` (epoch ms, taken
 * when the producer pulls the record), which the decoder keeps as an extra field.
 */
export function* stampedRecords(
  stream: BenchStream,
  now: () => number = Date.now,
): Generator<OutgoingRecord> {
  const generator = createEventGenerator({
    seed: stream.seed,
    devices: stream.devices,
    clock: now,
    spreadMs: 1000,
  });
  for (let i = 0; i < stream.count; i++) {
    const { key, value } = generator.next();
    yield { key, value: `${value.slice(0, -1)},"sent_at":${now()}}` };
  }
}
