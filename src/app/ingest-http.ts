/**
 * The HTTP side of a standalone `ingest`: `/healthz`, `/readyz` and `/metrics` on a port of its own
 * (INGEST_HTTP_PORT or `--http-port`), from the API's own routes and metrics (src/api/), so that a
 * Kubernetes deployment of ingest alone gets probes and a scrape target. `up` does not start it:
 * its API already serves the same figures on PORT.
 */
import type { AddressInfo } from 'node:net';
import { buildOpsApp } from '../api/index.ts';
import type { Config } from '../config/index.ts';
import type { WorkerStats } from '../ingest/index.ts';
import { asKafkaError, type TopicAdmin } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import { clientProbes } from '../local-services/index.ts';
import { connectMongo } from '../store/index.ts';

export interface RunningIngestHttp {
  /** Where it listens, e.g. `http://localhost:9464` (the actual port when 0 was asked). */
  url: string;
  stop(): Promise<void>;
}

export interface IngestHttpOptions {
  port: number;
  log: Logger;
  admin: TopicAdmin;
  /** The pool's workers; none while the pool is still starting. */
  workers: () => WorkerStats[];
}

/** Ready when this process runs at least the configured workers and each has joined the group. */
export function workersJoined(workers: readonly WorkerStats[], wanted: number): boolean {
  return workers.length >= wanted && workers.every((w) => w.memberId !== null);
}

export async function startIngestHttp(
  config: Config,
  options: IngestHttpOptions,
): Promise<RunningIngestHttp> {
  const { admin, workers } = options;
  const mongo = await connectMongo(config.mongo, 'ipstream-ingest-http');
  try {
    const app = await buildOpsApp({
      logger: options.log,
      workerStats: workers,
      ingestGroup: config.kafka.group,
      topicStatus: () =>
        admin.describe(config.kafka.topic, config.kafka.group).catch((error: unknown) => {
          throw asKafkaError(error, config.kafka);
        }),
      probes: {
        ...clientProbes(admin, mongo.db),
        workers: async () => workersJoined(workers(), config.ingest.workers),
      },
    });
    await app.listen({ port: options.port, host: config.http.host });
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://${host}:${port}`,
      stop: async () => {
        await app.close();
        await mongo.close();
      },
    };
  } catch (error) {
    await mongo.close();
    throw error;
  }
}
