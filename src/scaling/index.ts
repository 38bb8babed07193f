/**
 * The partition autoscaler: its pure policy and its controller.
 *
 * What other folders may import from src/scaling/; its other files are internal (eslint.config.js).
 */
export { startPartitionAutoscaler } from './autoscaler.ts';
export { DEFAULT_PARTITION_CAPACITY, DEFAULT_PARTITION_POLICY } from './partition-policy.ts';
