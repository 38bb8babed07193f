import { Admin } from '@platformatic/kafka';
import { type Db, MongoClient } from 'mongodb';
import type { KafkaConfig } from '../config/index.ts';
import { baseClientOptions, kafkaAuthFailure, type TopicAdmin } from '../kafka/index.ts';

/**
 * True when a Kafka broker answers a metadata request at the configured bootstrap addresses, with
 * the configured SASL and TLS: the same connection every other client makes. Credentials the broker
 * refuses throw KAFKA_AUTH_FAILED: no wait or retry makes them work.
 */
export async function probeKafka(kafka: KafkaConfig, timeoutMs = 3000): Promise<boolean> {
  const admin = new Admin({
    ...baseClientOptions(kafka, 'probe'),
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    retries: 0,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } catch (error) {
    const refused = kafkaAuthFailure(error, kafka);
    if (refused !== undefined) throw refused;
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** True when a MongoDB-wire server answers `hello` at the given URI. */
export async function probeMongo(uri: string, timeoutMs = 3000): Promise<boolean> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    directConnection: !uri.startsWith('mongodb+srv') && !uri.includes(','),
  });
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    return hello.ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** False when `check` fails or has not answered within timeoutMs (a client may retry for longer). */
async function withinTimeout(check: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check.catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness probes over a process's long-lived clients: the API already holds a Kafka admin and a
 * MongoDB connection pool, so probing through them costs a round trip, not a new connection.
 */
export function clientProbes(
  admin: TopicAdmin,
  db: Db,
  timeoutMs = 2000,
): { kafka: () => Promise<boolean>; mongo: () => Promise<boolean> } {
  return {
    kafka: () => withinTimeout(admin.reachable(), timeoutMs),
    mongo: () =>
      withinTimeout(
        db.command({ ping: 1 }).then((answer) => answer.ok === 1),
        timeoutMs,
      ),
  };
}
