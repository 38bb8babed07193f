import type { TopicAdmin } from '../kafka/index.ts';

/** Partitions of the events topic when ipstream has to create it (the autoscaler grows it later). */
export const DEFAULT_PARTITIONS = 4;

/**
 * Creates the topic when it is missing; grows it when asked for more partitions than it has.
 * Returns its partition count and whether it was created.
 */
export async function ensureTopic(
  admin: TopicAdmin,
  topic: string,
  partitions?: number,
): Promise<{ partitions: number; created: boolean }> {
  const current = await admin.partitionCount(topic);
  if (current === undefined) {
    const count = partitions ?? DEFAULT_PARTITIONS;
    await admin.create(topic, count);
    return { partitions: count, created: true };
  }
  if (partitions !== undefined && partitions > current) {
    await admin.scale(topic, partitions);
    return { partitions, created: false };
  }
  return { partitions: current, created: false };
}
