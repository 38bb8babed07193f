import type { Config } from '../config/index.ts';
import { IngestPool, waitUntilIdle } from '../ingest/index.ts';
import { TopicAdmin } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import {
  connectMongo,
  detectStoreProfile,
  ensureSchema,
  recordedSchema,
  retiredCollections,
} from '../store/index.ts';
import { type RunningIngestHttp, startIngestHttp } from './ingest-http.ts';
import { startRetention } from './retention.ts';
import { ensureTopic } from './topic.ts';

export interface RunningIngest {
  pool: IngestPool;
  /** Resolves once every partition was idle for `untilIdleMs` with everything committed. */
  idle(untilIdleMs: number, isStopped: () => boolean): Promise<void>;
  /** Stops fetching, stores and commits what was read, leaves the group. */
  stop(): Promise<void>;
}

/**
 * The ingest pool of this process: the topic exists (created if missing), the schema exists
 * (created before any worker writes: FerretDB must not create collections while others write),
 * and `config.ingest.workers` workers have joined the group. With `httpPort`, health, readiness
 * and metrics are served from the start (not ready until every worker has joined).
 */
export async function runIngest(
  config: Config,
  options: {
    log: Logger;
    maxWorkers?: number;
    httpPort?: number;
    /** Told where the HTTP side listens as soon as it does, before the workers start. */
    onHttp?: (url: string) => void;
  },
): Promise<RunningIngest> {
  const { log } = options;
  // First: a memory budget that cannot hold the consumers is refused before anything starts.
  const pool = new IngestPool(config, log, options.maxWorkers);
  const admin = new TopicAdmin(config.kafka);
  let http: RunningIngestHttp | undefined;
  if (options.httpPort !== undefined) {
    http = await startIngestHttp(config, {
      port: options.httpPort,
      log,
      admin,
      workers: () => pool.stats(),
    });
    options.onHttp?.(http.url);
  }
  try {
    await prepareStore(config, admin, log);
    await pool.scaleTo(config.ingest.workers);
    if (options.maxWorkers !== undefined) pool.startWorkerAutoscale(options.maxWorkers);
  } catch (error) {
    await pool.stop();
    await http?.stop();
    await admin.close();
    throw error;
  }
  const running = pool;
  const stopRetention = startRetention(config, log);
  let stopping: Promise<void> | undefined;
  return {
    pool: running,
    idle: (untilIdleMs, isStopped) =>
      waitUntilIdle(admin, config.kafka.topic, config.kafka.group, untilIdleMs, isStopped),
    stop: () =>
      (stopping ??= (async () => {
        await stopRetention();
        await running.stop();
        // Last: a probe or a scrape during the drain sees the workers' final figures.
        await http?.stop();
        await admin.close();
      })()),
  };
}

/** The topic (created if missing) and the schema, before any worker writes. */
async function prepareStore(config: Config, admin: TopicAdmin, log: Logger): Promise<void> {
  const topic = await ensureTopic(admin, config.kafka.topic);
  if (topic.created)
    log.info({ topic: config.kafka.topic, partitions: topic.partitions }, 'created the topic');
  const mongo = await connectMongo(config.mongo);
  try {
    await ensureSchema(mongo.db);
    // Refuses a database of a newer ipstream, one an older ipstream is still writing to, or one
    // whose events are stored in the other layout.
    await recordedSchema(mongo.db, { layout: config.store.eventsLayout });
    const retired = await retiredCollections(mongo.db);
    if (retired.length > 0) {
      log.warn({ collections: retired }, 'collections of an earlier layout are no longer read or written');
    }
    const profile = await detectStoreProfile(mongo.db);
    if (profile.server === 'ferretdb') {
      log.info(
        `FerretDB detected: rollup writes go ${profile.statementsPerCommand} per command, one writer at a time under a fenced lease (FerretDB 1.24 holds a connection per update statement and its updates are not atomic); MongoDB needs neither`,
      );
    }
  } finally {
    await mongo.close();
  }
}
