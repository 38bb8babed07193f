import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import { buildApp } from '../../src/api/index.ts';
import type { ApiDeps } from '../../src/api/deps.ts';
import type { Config } from '../../src/config/index.ts';
import type { TopicAdmin } from '../../src/kafka/index.ts';
import { clientProbes } from '../../src/local-services/index.ts';

export interface JsonAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
}

/** One GET through `app.inject`, the body parsed as JSON. */
export async function getJson(
  app: FastifyInstance,
  url: string,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

/** Builds an app, runs `body` with it, and always closes it. */
export async function withApp<T>(deps: ApiDeps, body: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const app = await buildApp(deps);
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

/** What `serve` gives the app: the database, the topic's status and both services' probes. */
export function realDeps(config: Config, db: Db, admin: TopicAdmin): ApiDeps {
  return {
    db,
    topicStatus: () => admin.describe(config.kafka.topic, config.kafka.group),
    probes: clientProbes(admin, db),
  };
}
