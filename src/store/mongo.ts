import { type Db, MongoClient } from 'mongodb';
import type { MongoConfig } from '../config/index.ts';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects with short selection timeouts: the ingest loop retries store failures itself (with
 * backoff, without committing), so a failing call should come back quickly and be counted rather
 * than hang for the driver's 30 s default.
 */
export async function connectMongo(config: MongoConfig, appName = 'ipstream'): Promise<MongoHandle> {
  const client = new MongoClient(config.uri, {
    appName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 10,
  });
  await client.connect();
  return { client, db: client.db(config.db), close: () => client.close() };
}
