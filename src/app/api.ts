import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/index.ts';
import type { Config } from '../config/index.ts';
import type { WorkerStats } from '../ingest/index.ts';
import { asKafkaError, TopicAdmin } from '../kafka/index.ts';
import type { Logger } from '../log/index.ts';
import { clientProbes } from '../local-services/index.ts';
import { connectMongo } from '../store/index.ts';

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** The HTTP API wired to the configured services, listening on config.http. */
export async function runApi(
  config: Config,
  options: { log: Logger; workerStats?: () => WorkerStats[] },
): Promise<RunningApi> {
  const mongo = await connectMongo(config.mongo, 'ipstream-api');
  const admin = new TopicAdmin(config.kafka);
  const app = await buildApp({
    logger: options.log,
    db: mongo.db,
    ...(options.workerStats && { workerStats: options.workerStats, ingestGroup: config.kafka.group }),
    topicStatus: () =>
      admin.describe(config.kafka.topic, config.kafka.group).catch((error: unknown) => {
        throw asKafkaError(error, config.kafka);
      }),
    probes: clientProbes(admin, mongo.db),
    ...(config.http.apiToken && { apiToken: config.http.apiToken }),
    cors: config.http.cors,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  // The port it listens on, which differs from the configured one when that is 0 (any free port).
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://${host}:${port}`,
    stop: async () => {
      await app.close();
      await admin.close();
      await mongo.close();
    },
  };
}
