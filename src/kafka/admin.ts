import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/index.ts';
import { IpstreamError } from '../errors/index.ts';
import { baseClientOptions } from './client-options.ts';
import { findErrors } from './errors.ts';

export interface TopicDescription {
  topic: string;
  partitions: PartitionState[];
  totalEnd: number;
  totalLag: number;
}

export interface PartitionState {
  partition: number;
  /** Next offset to be written (log end offset). */
  end: number;
  /** The group's committed offset (next to read), or null when the group has committed nothing. */
  committed: number | null;
  /** end - committed (or end - start when nothing is committed). */
  lag: number;
}

/**
 * The broker's own reason for refusing a CreateTopics request ("The target replication factor of 3
 * cannot be reached because only 1 broker(s) are registered."), as TOPIC_REFUSED; undefined when
 * the error carries no such answer (a network failure, say).
 */
function refusal(error: unknown, topic: string): IpstreamError | undefined {
  const answers = findErrors(error, (e) => typeof e.response === 'object' && e.response !== null).flatMap(
    (e) => (e.response as { topics?: { errorCode?: number; errorMessage?: string | null }[] }).topics ?? [],
  );
  const refused = answers.find((t) => (t.errorCode ?? 0) !== 0);
  if (refused === undefined) return undefined;
  const reason = refused.errorMessage ?? `error code ${refused.errorCode}`;
  return new IpstreamError('TOPIC_REFUSED', `topic ${topic} was not created: ${reason}`, { cause: error });
}

export class TopicAdmin {
  readonly #admin: Admin;
  /** Replicas of a topic created without a count; undefined: the cluster's default. */
  readonly #replicationFactor: number | undefined;

  constructor(kafka: KafkaConfig) {
    this.#admin = new Admin(baseClientOptions(kafka, 'admin'));
    this.#replicationFactor = kafka.replicationFactor;
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }

  /** True when a broker answers a fresh metadata request over this client's connections. */
  async reachable(): Promise<boolean> {
    const metadata = await this.#admin.metadata({ topics: [], forceUpdate: true, retries: 0 });
    return metadata.brokers.size > 0;
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    const topics = await this.#admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
    return metadata.topics.get(topic)?.partitionsCount;
  }

  /**
   * Creates the topic, or accepts an existing one with the same partition count. An existing topic
   * with a different count is an error: growing is `scale`'s job, and shrinking is impossible.
   * Without `replicas` (and KAFKA_REPLICATION_FACTOR unset) the request asks for the cluster's
   * `default.replication.factor` (-1 in CreateTopics, KIP-464), so a topic on a replicated cluster
   * is replicated like the cluster's other topics rather than left with one copy.
   */
  async create(
    topic: string,
    partitions: number,
    replicas = this.#replicationFactor,
  ): Promise<'created' | 'exists'> {
    const existing = await this.partitionCount(topic);
    if (existing !== undefined) {
      if (existing === partitions) return 'exists';
      throw new IpstreamError(
        'TOPIC_MISMATCH',
        `topic ${topic} exists with ${existing} partitions, not ${partitions}; use \`topic scale --partitions N\` to grow it`,
      );
    }
    try {
      await this.#admin.createTopics({
        topics: [topic],
        partitions,
        ...(replicas !== undefined && { replicas }),
      });
    } catch (error) {
      // Another process may have created it between our check and our request.
      if ((await this.partitionCount(topic)) === partitions) return 'exists';
      throw refusal(error, topic) ?? error;
    }
    await this.#waitForPartitions(topic, partitions);
    return 'created';
  }

  /** Replicas of each partition of an existing topic (the most any partition has); undefined if it is missing. */
  async replicationFactor(topic: string): Promise<number | undefined> {
    const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = metadata.topics.get(topic)?.partitions ?? [];
    return partitions.length === 0 ? undefined : Math.max(...partitions.map((p) => p.replicas.length));
  }

  /** Grows the topic to `partitions` in total; never shrinks. Returns the count before. */
  async scale(topic: string, partitions: number): Promise<number> {
    const current = await this.partitionCount(topic);
    if (current === undefined) throw new IpstreamError('TOPIC_MISSING', `topic ${topic} does not exist`);
    if (partitions < current) {
      throw new IpstreamError(
        'PARTITIONS_SHRINK',
        `topic ${topic} has ${current} partitions; Kafka cannot shrink it to ${partitions}`,
      );
    }
    if (partitions > current) {
      await this.#admin.createPartitions({ topics: [{ name: topic, count: partitions }] });
      await this.#waitForPartitions(topic, partitions);
    }
    return current;
  }

  async #waitForPartitions(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
      const t = metadata.topics.get(topic);
      if (t && t.partitionsCount === partitions && t.partitions.every((p) => p.leader >= 0)) return;
      await sleep(100);
    }
    throw new IpstreamError(
      'TOPIC_NOT_READY',
      `topic ${topic} has no leader for all ${partitions} partitions after 30s`,
      {
        retriable: true,
      },
    );
  }

  /** Offsets at the start (-2) or end (-1) of every partition. */
  async offsets(topic: string, which: 'start' | 'end'): Promise<number[]> {
    const count = await this.partitionCount(topic);
    if (count === undefined) throw new IpstreamError('TOPIC_MISSING', `topic ${topic} does not exist`);
    const timestamp = which === 'end' ? -1n : -2n;
    const listed = await this.#admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp })),
        },
      ],
    });
    const result = new Array<number>(count).fill(0);
    for (const p of listed[0]?.partitions ?? []) result[p.partitionIndex] = Number(p.offset);
    return result;
  }

  /** Committed offsets of `group` for `topic`, by partition (null where none). */
  async committed(topic: string, group: string, partitions: number): Promise<(number | null)[]> {
    const result = new Array<number | null>(partitions).fill(null);
    const groups = await this.#admin.listConsumerGroupOffsets({
      groups: [
        {
          groupId: group,
          topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }],
        },
      ],
    });
    for (const t of groups[0]?.topics ?? []) {
      for (const p of t.partitions) {
        if (p.committedOffset >= 0n && p.partitionIndex < partitions)
          result[p.partitionIndex] = Number(p.committedOffset);
      }
    }
    return result;
  }

  async describe(topic: string, group: string): Promise<TopicDescription> {
    const [start, end] = await Promise.all([this.offsets(topic, 'start'), this.offsets(topic, 'end')]);
    const committed = await this.committed(topic, group, end.length);
    const partitions = end.map((e, partition) => {
      const c = committed[partition] ?? null;
      return { partition, end: e, committed: c, lag: e - (c ?? start[partition] ?? 0) };
    });
    return {
      topic,
      partitions,
      totalEnd: end.reduce((a, b) => a + b, 0),
      totalLag: partitions.reduce((a, p) => a + p.lag, 0),
    };
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.#admin.deleteTopics({ topics: [topic] });
  }
}
