import { describeError } from '../errors/index.ts';
import type { TopicAdmin } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import { PartitionPolicy, type PartitionPolicyOptions } from './partition-policy.ts';

/**
 * Watches the topic and grows its partition count through the admin API when the policy says so.
 * Consumer groups pick new partitions up on their next metadata refresh; keyed records of a device
 * may then land on another partition, which the per-partition rollup guards absorb.
 */
export function startPartitionAutoscaler(options: {
  admin: TopicAdmin;
  topic: string;
  group: string;
  intervalMs: number;
  policy: PartitionPolicyOptions;
  log: Logger;
  onScale?: (from: number, to: number, reason: string) => void;
}): { stop(): void } {
  const policy = new PartitionPolicy(options.policy);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const d = await options.admin.describe(options.topic, options.group);
        const decision = policy.observe({
          atMs: Date.now(),
          partitions: d.partitions.length,
          totalEnd: d.totalEnd,
          totalLag: d.totalLag,
        });
        if (decision !== null) {
          await options.admin.scale(options.topic, decision.partitions);
          options.log.warn(
            { from: d.partitions.length, to: decision.partitions, reason: decision.reason },
            'grew topic partitions',
          );
          options.onScale?.(d.partitions.length, decision.partitions, decision.reason);
        }
      } catch (error) {
        options.log.warn({ err: describeError(error) }, 'autoscaler check failed');
      } finally {
        busy = false;
      }
    })();
  }, options.intervalMs);
  return { stop: () => clearInterval(timer) };
}
