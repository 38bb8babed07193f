import { CompressionAlgorithms, compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/config.ts';
import { baseClientOptions } from './client-options.ts';

export interface OutgoingRecord {
  key?: string | Buffer | undefined;
  value: string | Buffer;
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
