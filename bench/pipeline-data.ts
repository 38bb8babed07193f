/**
 * The records of the pipeline benchmark, shared by the process that produces them and the workers
 * that write the same events straight into the store: one seeded synthetic stream, the partition
 * Kafka puts each record on, and the events the decoder makes of them.
 */
import { murmur2 } from '@platformatic/kafka';
import { type DecodeLimits, type Decoded, decodeRecord } from '../src/events/decode.ts';
import { createEventGenerator } from '../src/events/synthetic.ts';
import type { OutgoingRecord } from '../src/kafka/producer.ts';
import { syntheticRecords } from '../src/producer/sources.ts';

export interface BenchStream {
  /** Records in the stream. */
  count: number;
  devices: number;
  seed: number;
}

/** The partition EventProducer's partitioner (Java-compatible murmur2) gives a keyed record. */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** How many records of the stream land on each partition. */
export function partitionCounts(stream: BenchStream, partitions: number): number[] {
  const counts = new Array<number>(partitions).fill(0);
  for (const record of syntheticRecords(stream)) {
    const p = partitionOf(String(record.key), partitions);
    counts[p] = (counts[p] ?? 0) + 1;
  }
  return counts;
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
  for (const record of syntheticRecords(stream)) {
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
