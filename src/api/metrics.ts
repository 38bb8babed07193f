/**
 * Prometheus metrics of one app instance: Node's process metrics plus the ingest workers' counters
 * and the topic's lag, read at scrape time from the same sources as /api/v1/pipeline. Each app has
 * its own registry, so several apps in one process (tests) never share or double-register metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerStats } from '../ingest/index.ts';
import type { PartitionState, TopicDescription } from '../kafka/index.ts';
import type { ApiDeps } from './deps.ts';
import { describeTopic } from './topic-status.ts';

type WorkerCounter = Exclude<
  {
    [K in keyof WorkerStats]: WorkerStats[K] extends number ? K : never;
  }[keyof WorkerStats],
  'workerId' | 'buffered' | 'bufferedBytes' | 'lastRecordAt'
>;

const COUNTERS: { field: WorkerCounter; name: string; help: string }[] = [
  { field: 'consumed', name: 'consumed', help: 'records read from Kafka' },
  { field: 'stored', name: 'stored', help: 'events newly stored' },
  { field: 'duplicates', name: 'duplicates', help: 'events already stored (redeliveries)' },
  { field: 'deadLetters', name: 'dead_letters', help: 'records stored as dead letters' },
  { field: 'flushes', name: 'flushes', help: 'batches written to the store' },
  { field: 'storeRetries', name: 'store_retries', help: 'store writes retried after a failure' },
  { field: 'commitFailures', name: 'commit_failures', help: 'offset commits that failed' },
  { field: 'consumerRestarts', name: 'consumer_restarts', help: 'Kafka consumers restarted' },
];

const WORKER_GAUGES: { name: string; help: string; value: (w: WorkerStats) => number }[] = [
  { name: 'buffered_records', help: 'records read and not yet stored', value: (w) => w.buffered },
  { name: 'buffered_bytes', help: 'bytes read and not yet stored', value: (w) => w.bufferedBytes },
  { name: 'paused', help: '1 while fetching is paused (buffer full)', value: (w) => (w.paused ? 1 : 0) },
  { name: 'flush_limit_records', help: 'current flush count limit', value: (w) => w.policy.countLimit },
  { name: 'flush_limit_bytes', help: 'current flush byte limit', value: (w) => w.policy.bytesLimit },
  {
    name: 'flush_max_age_seconds',
    help: 'oldest a buffered record may get before a flush',
    value: (w) => w.policy.maxAgeMs / 1000,
  },
];

export function createMetricsRegistry(deps: ApiDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const workers = (): WorkerStats[] => deps.workerStats?.() ?? [];

  for (const c of COUNTERS) {
    new Counter({
      name: `ipstream_ingest_${c.name}_total`,
      help: `${c.help}, per worker of this process`,
      labelNames: ['worker'],
      registers: [registry],
      // The workers own the counts; a scrape copies them (reset first, so departed workers vanish).
      collect() {
        this.reset();
        for (const w of workers()) this.inc({ worker: String(w.workerId) }, w[c.field]);
      },
    });
  }
  for (const g of WORKER_GAUGES) {
    new Gauge({
      name: `ipstream_ingest_${g.name}`,
      help: `${g.help}, per worker of this process`,
      labelNames: ['worker'],
      registers: [registry],
      collect() {
        this.reset();
        for (const w of workers()) this.set({ worker: String(w.workerId) }, g.value(w));
      },
    });
  }
  registerFlushHistogram(registry, workers);
  registerTopicGauges(registry, deps);
  return registry;
}

/**
 * Store write latency as a real histogram: each scrape observes the flushes that happened since the
 * previous one, taken from the newest entries of each worker's recent write times.
 */
function registerFlushHistogram(registry: Registry, workers: () => WorkerStats[]): void {
  const seen = new Map<number, number>();
  new Histogram({
    name: 'ipstream_ingest_flush_write_seconds',
    help: 'time to store one flushed batch (events, dead letters and rollups)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
    collect() {
      for (const w of workers()) {
        const before = seen.get(w.workerId) ?? 0;
        // A worker restarted under the same id counts from zero again.
        const fresh = w.flushes >= before ? w.flushes - before : w.flushes;
        seen.set(w.workerId, w.flushes);
        const recent = w.recentWriteMs;
        for (const ms of recent.slice(Math.max(0, recent.length - fresh))) this.observe(ms / 1000);
      }
    },
  });
}

/** One Kafka round trip serves all topic gauges of a scrape (they are collected concurrently). */
function sharedTopicStatus(deps: ApiDeps): () => Promise<TopicDescription | { error: string }> {
  let cached: { at: number; status: Promise<TopicDescription | { error: string }> } | null = null;
  return () => {
    const now = Date.now();
    if (cached === null || now - cached.at > 1000) cached = { at: now, status: describeTopic(deps) };
    return cached.status;
  };
}

function registerTopicGauges(registry: Registry, deps: ApiDeps): void {
  const status = sharedTopicStatus(deps);
  new Gauge({
    name: 'ipstream_kafka_topic_status_up',
    help: '1 when the topic and group offsets could be read at this scrape',
    registers: [registry],
    async collect() {
      this.set('error' in (await status()) ? 0 : 1);
    },
  });
  const partitionGauges: { name: string; help: string; value: (p: PartitionState) => number | null }[] = [
    { name: 'lag', help: 'records not yet committed by the ingest group', value: (p) => p.lag },
    { name: 'end_offset', help: 'log end offset', value: (p) => p.end },
    { name: 'committed_offset', help: 'offset committed by the ingest group', value: (p) => p.committed },
  ];
  for (const g of partitionGauges) {
    new Gauge({
      name: `ipstream_kafka_partition_${g.name}`,
      help: `${g.help}, per partition`,
      labelNames: ['topic', 'partition'],
      registers: [registry],
      async collect() {
        this.reset();
        const topic = await status();
        if ('error' in topic) return;
        for (const p of topic.partitions) {
          const value = g.value(p);
          if (value !== null) this.set({ topic: topic.topic, partition: String(p.partition) }, value);
        }
      },
    });
  }
}
