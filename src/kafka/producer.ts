import { backoffDelay } from '../retry/index.ts';
import { CompressionAlgorithms, compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/index.ts';
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

/**
 * The idempotent producer every ipstream command uses: acks from all in-sync replicas and broker-side
 * de-duplication of retried batches, so a retry after a timeout never writes a record twice.
 */
export class EventProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topic: string;

  constructor(kafka: KafkaConfig, role = 'producer') {
    this.#topic = kafka.topic;
    this.#producer = new Producer({
      ...baseClientOptions(kafka, role),
      retries: SEND_RETRY.retries,
      retryDelay: retryDelay(sendRetryDelay),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: CompressionAlgorithms.LZ4,
      // Java clients' murmur2 mapping, so a device lands on the same partition whichever client
      // produced it.
      partitioner: compatibilityPartitioner,
    });
  }

  /** Sends one batch; keyed records go to the partition of their key. */
  async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#producer.send({
      messages: records.map((r) => ({
        topic: this.#topic,
        value: toBuffer(r.value),
        ...(r.key === undefined ? {} : { key: toBuffer(r.key) }),
      })),
    });
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
