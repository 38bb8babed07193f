import { Admin } from '@platformatic/kafka';
import { MongoClient } from 'mongodb';

/** True when a Kafka broker answers a metadata request at the given bootstrap address. */
export async function probeKafka(brokers: string[], timeoutMs = 3000): Promise<boolean> {
  const admin = new Admin({
    clientId: 'ipstream-probe',
    bootstrapBrokers: brokers,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    retries: 0,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } catch {
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
