import { backoffDelay } from '../retry/index.ts';
import { CompressionAlgorithms, ProduceAcks, Producer } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/index.ts';
import { ServiceError } from '../errors/index.ts';
import { keyPartitioner } from './partitioner.ts';
import { baseClientOptions, retryDelay } from './client-options.ts';

export interface OutgoingRecord {
  key?: string | Buffer | undefined;
  value: string | Buffer;
}

/**
 * How a send rides out a broker outage (a restart, a leader moving): the client retries the same
 * request, with the same producer id and sequence numbers, so the broker drops a retried batch it
 * had already written and the retry never duplicates a record. An application-level resend after
 * the client gave up would carry new sequence numbers and could duplicate, so the client is given
 * the whole budget instead: backoff from 100 ms doubling to 5 s, with jitter, about 2.5 minutes in
 * all before a send fails.
 */
export const SEND_RETRY = { retries: 40, baseMs: 100, maxMs: 5_000, jitter: 0.5 } as const;

/** The wait before send retry `attempt` (1-based): half to all of a capped doubling step. */
export function sendRetryDelay(attempt: number, random = Math.random()): number {
  return backoffDelay(SEND_RETRY, attempt, random);
}

function toBuffer(v: string | Buffer): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** Records of one partition the cluster did not acknowledge, and the error that ended their send. */
export interface PartitionFailure {
  /** Null when the records could not be given a partition (the topic's metadata was unreadable). */
  partition: number | null;
  records: OutgoingRecord[];
  /** Where each record stood in the batch given to send, ascending (to put failures back in order). */
  positions: number[];
  error: unknown;
}

type Message = { topic: string; partition: number; key?: Buffer; value: Buffer };

/**
 * The idempotent producer every ipstream command uses: acks from all in-sync replicas and broker-side
 * de-duplication of retried batches, so a retry after a timeout never writes a record twice.
 *
 * Each send request holds the records of one partition. The client groups a send's records by the
 * broker leading each partition and retries a failed group as one request to the leader of its
 * first partition: once a dead broker's partitions had moved to two different brokers, a request
 * holding both was sent to one of them for every retry, which answered NOT_LEADER_OR_FOLLOWER for
 * the other until the send failed (issue 27). A request of one partition always goes to that
 * partition's leader, and one partition failing for good fails only its own records.
 */
export class EventProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topic: string;
  /** Where the next record without a key goes (round robin, as the client does). */
  #nextUnkeyed = 0;

  constructor(kafka: KafkaConfig, role = 'producer') {
    this.#topic = kafka.topic;
    this.#producer = new Producer({
      ...baseClientOptions(kafka, role),
      retries: SEND_RETRY.retries,
      retryDelay: retryDelay(sendRetryDelay),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: CompressionAlgorithms.LZ4,
    });
  }

  /**
   * Sends one batch, each partition's records in a request of their own (all at once, so a
   * partition waiting for its new leader delays the others only until this batch is done). Keyed
   * records go to the partition of their key: the Java clients' murmur2 mapping, so a device lands
   * on the same partition whichever client produced it. Resolves with what the cluster did not
   * acknowledge, by partition; empty when every record was.
   */
  async send(records: OutgoingRecord[]): Promise<PartitionFailure[]> {
    if (records.length === 0) return [];
    let partitions: number;
    try {
      // The client's metadata, refreshed when older than its metadataMaxAge (a grown topic is seen).
      const metadata = await this.#producer.metadata({ topics: [this.#topic] });
      partitions = metadata.topics.get(this.#topic)?.partitionsCount ?? 0;
      if (partitions < 1) throw new ServiceError('TOPIC_MISSING', `topic ${this.#topic} has no partitions`);
    } catch (error) {
      return [{ partition: null, records, positions: records.map((_, i) => i), error }];
    }
    const groups = new Map<number, { messages: Message[]; positions: number[] }>();
    records.forEach((r, position) => {
      const message: Message = { topic: this.#topic, partition: 0, value: toBuffer(r.value) };
      if (r.key !== undefined) message.key = toBuffer(r.key);
      message.partition =
        message.key === undefined
          ? this.#nextUnkeyed++ % partitions
          : keyPartitioner(message, message.key) % partitions;
      const group = groups.get(message.partition) ?? { messages: [], positions: [] };
      group.messages.push(message);
      group.positions.push(position);
      groups.set(message.partition, group);
    });
    const sent = await Promise.allSettled(
      [...groups.values()].map((g) => this.#producer.send({ messages: g.messages })),
    );
    const failures: PartitionFailure[] = [];
    [...groups].forEach(([partition, g], i) => {
      const outcome = sent[i]!;
      if (outcome.status === 'fulfilled') return;
      failures.push({
        partition,
        records: g.positions.map((p) => records[p]!),
        positions: g.positions,
        error: outcome.reason,
      });
    });
    return failures;
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
