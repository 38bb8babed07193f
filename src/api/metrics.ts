/**
 * Prometheus metrics of one app instance: Node's process metrics, the ingest workers' counters and
 * the topic's lag, read at scrape time from the same sources as /api/v1/pipeline, and the app's own
 * request durations. Each app has its own registry, so several apps in one process (tests) never
 * share or double-register metrics. Names and units follow the Prometheus conventions (`_total`
 * counters, `_seconds`, `_bytes`), checked with `promtool check metrics` by
 * test/integration/observability.test.ts.
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
  {
    field: 'flushedRecords',
    name: 'flushed_records',
    help: 'records in the batches written to the store (records per batch: its rate over flushes)',
  },
  { field: 'flushedBytes', name: 'flushed_bytes', help: 'value bytes in the batches written to the store' },
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

/** The registry of one app, and the request histogram its hook observes. */
export interface ApiMetrics {
  registry: Registry;
  /** HTTP request durations, labelled by method, route pattern and status code. */
  requests: Histogram<'method' | 'route' | 'code'>;
}

/**
 * prom-client's gauges named like counters (`promtool check metrics`: non-counter metrics should not
 * have a "_total" suffix). Each is the sum of a gauge by `type` it also serves (`nodejs_active_handles`).
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createMetrics(deps: ApiDeps): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
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
  registerTallies(registry, workers);
  registerGroupMembers(registry, deps, workers);
  registerFlushHistogram(registry, workers);
  registerTopicGauges(registry, deps);
  const requests = new Histogram({
    name: 'ipstream_http_request_duration_seconds',
    help: 'time to answer an HTTP request, by method, route pattern (never the raw path) and status code',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, requests };
}

/** Counters a worker keeps per key (dead letters by reason, store errors by outcome and error). */
function registerTallies(registry: Registry, workers: () => WorkerStats[]): void {
  new Counter({
    name: 'ipstream_ingest_dead_letters_by_reason_total',
    help:
      'records of flushed batches decoded as dead letters, by reason (a record Kafka delivers ' +
      'again counts again), per worker of this process',
    labelNames: ['worker', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers()) {
        for (const [reason, n] of Object.entries(w.deadLetterReasons)) {
          this.inc({ worker: String(w.workerId), reason }, n);
        }
      }
    },
  });
  new Counter({
    name: 'ipstream_ingest_store_step_seconds_total',
    help:
      'store write time by step (insert, lease, decide, devices, read, plan, rollups, finish: ' +
      'src/store/step-clock.ts), per worker of this process',
    labelNames: ['worker', 'step'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers()) {
        for (const [step, ms] of Object.entries(w.storeStepMs)) {
          this.inc({ worker: String(w.workerId), step }, ms / 1000);
        }
      }
    },
  });
  new Counter({
    name: 'ipstream_ingest_store_errors_total',
    help:
      'store operations that failed, by outcome (retried, or failed: the batch stays uncommitted ' +
      'and the worker stops) and error class or code, per worker of this process',
    labelNames: ['worker', 'outcome', 'error'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers()) {
        for (const [key, n] of Object.entries(w.storeErrors)) {
          const at = key.indexOf(':');
          const outcome = key.slice(0, at);
          const error = key.slice(at + 1);
          this.inc({ worker: String(w.workerId), outcome, error }, n);
        }
      }
    },
  });
}

/**
 * Workers of this process that are members of the ingest group. Summed over every ingest process,
 * the group's members: 0 (or no series at all) is a group nobody consumes for.
 */
function registerGroupMembers(registry: Registry, deps: ApiDeps, workers: () => WorkerStats[]): void {
  if (deps.workerStats === undefined) return;
  new Gauge({
    name: 'ipstream_ingest_group_members',
    help: 'workers of this process that have joined the ingest consumer group',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      const joined = workers().filter((w) => w.memberId !== null).length;
      this.set({ group: deps.ingestGroup ?? '' }, joined);
    },
  });
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
