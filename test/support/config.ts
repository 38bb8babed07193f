import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { type Config, loadConfig } from '../../src/config/index.ts';

/**
 * A configuration for one integration test: the shared local services, but a topic, consumer group
 * and database of its own, so tests never see each other's data.
 */
export function testConfig(label: string): Config {
  const id = `${label}-${randomBytes(4).toString('hex')}`;
  const base = loadConfig();
  return {
    ...base,
    kafka: { ...base.kafka, topic: `test-${id}`, group: `test-${id}` },
    mongo: { ...base.mongo, db: `test_${id.replaceAll('-', '_')}` },
    logLevel: 'warn',
  };
}

export async function dropDatabase(config: Config): Promise<void> {
  const client = new MongoClient(config.mongo.uri);
  try {
    await client.db(config.mongo.db).dropDatabase();
  } finally {
    await client.close();
  }
}

/** Resolves when `check` holds, polling; rejects with `what` after timeoutMs. Never a fixed sleep. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
