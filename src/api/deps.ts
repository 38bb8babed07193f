/**
 * What the routes need from the rest of ipstream, in a file of its own: app.ts registers the
 * routes, and the routes, metrics and topic status take this type, so neither imports the other.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from 'mongodb';
import type { WorkerStats } from '../ingest/index.ts';
import type { TopicDescription } from '../kafka/index.ts';
import type { ReadinessProbes } from './readiness.ts';

/**
 * Later routes (analytics, pipeline, health) add their dependencies here (event store, worker
 * pool, service probes) as optional fields, so the routes that do not need them can still be
 * tested alone.
 */
export interface ApiDeps {
  /** Request and error logs; the API is silent without one (tests, benchmarks). */
  logger?: FastifyBaseLogger;
  /** The ipstream database (collections in src/store/schema.ts); analytics routes need it. */
  db?: Db;
  /** Live counters of this process's ingest workers (none in `serve`-only mode). */
  workerStats?: () => WorkerStats[];
  /** The consumer group those workers are members of (a label of the members gauge). */
  ingestGroup?: string;
  /** Partitions, end and committed offsets, and lag of the ingest group. */
  topicStatus?: () => Promise<TopicDescription>;
  /** Reachability of the services, for /readyz. */
  probes?: ReadinessProbes;
  /** How long one readiness probe answers /readyz (default READINESS_CACHE_MS). */
  readinessCacheMs?: number;
  /** When set, every /api route and /count/addresses require `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** Allow cross-origin requests (off by default). */
  cors?: boolean;
}
