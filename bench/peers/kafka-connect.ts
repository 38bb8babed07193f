/**
 * Kafka Connect as a peer: Apache Kafka's Connect runtime in standalone mode with MongoDB's sink
 * connector, both resolved by Maven from bench/peers/kafka-connect/pom.xml into the user's cache
 * (as the local Kafka broker is, src/local-services/kafka-local.ts), started on the machine's Java with
 * the JVM flags connect-standalone.sh uses. The configuration is connect-config.ts. A sink task
 * commits offsets only for records its put() returned for (written to MongoDB), so the connector's
 * consumer group is its own account of what is stored.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from '../../src/config/index.ts';
import { baseClientOptions } from '../../src/kafka/index.ts';
import { resolveMavenClasspath, resolveStateDir } from '../../src/local-services/index.ts';
import { MeasuredProcess } from '../measured-process.ts';
import {
  assignedPartitions,
  connectGroup,
  connectJvmArgs,
  connectLog4j,
  renderProperties,
  sinkProperties,
  STANDALONE_MAIN,
  workerProperties,
  type WriteModel,
} from './connect-config.ts';
import { commandPath, committedSum, type Peer, type PeerContext, type PeerProcess } from './peer.ts';

const POM_DIR = fileURLToPath(new URL('./kafka-connect/', import.meta.url));
const POM = join(POM_DIR, 'pom.xml');

/**
 * The classpath of Connect and the sink, resolved once and reused while the pom is unchanged and
 * every jar is still in the Maven cache.
 */
export async function resolveConnectClasspath(
  stateDir: string,
  onStep: (message: string) => void,
): Promise<string> {
  const file = join(resolveStateDir(stateDir), 'kafka-connect', 'classpath.txt');
  const classpath = await resolveMavenClasspath(
    {
      pom: POM,
      file,
      javaFor: 'to run Kafka Connect (the peers benchmark)',
      mavenFor: 'to fetch Kafka Connect and the MongoDB sink connector',
      step: 'resolving Kafka Connect and mongo-kafka-connect with Maven (first run only)',
    },
    onStep,
  );
  for (const jar of ['connect-runtime-', 'mongo-kafka-connect-', 'mongodb-driver-sync-'])
    if (!classpath.split(':').some((p) => p.split('/').pop()?.startsWith(jar)))
      throw new Error(`the resolved Connect classpath has no ${jar}*.jar (${file})`);
  return classpath;
}

/** A port nothing listens on right now (for Connect's REST listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ConnectPeerOptions {
  kafka: KafkaConfig;
  mongoUri: string;
  classpath: string;
  /** Working folder: properties, log4j config, offsets file (kept across the restart). */
  dir: string;
  /** Connector name (its group is connect-<name>). */
  name: string;
  writeModel: WriteModel;
  tasks: number;
  db: string;
  collection: string;
  offsetFlushMs: number;
}

export function connectPeer(ctx: PeerContext, o: ConnectPeerOptions): Peer {
  const group = connectGroup(o.name);
  const deadLetterTopic = `${o.name}-dlq`;
  const files = {
    worker: join(o.dir, 'worker.properties'),
    sink: join(o.dir, 'sink.properties'),
    log4j: join(o.dir, 'log4j2.properties'),
    offsets: join(o.dir, 'connect.offsets'),
  };
  let written = false;
  const writeFiles = async (): Promise<void> => {
    if (written) return;
    mkdirSync(o.dir, { recursive: true });
    const restPort = await freePort();
    writeFileSync(
      files.worker,
      renderProperties(
        workerProperties({
          brokers: o.kafka.brokers,
          offsetsFile: files.offsets,
          restPort,
          offsetFlushMs: o.offsetFlushMs,
        }),
        'Kafka Connect worker (standalone), written by ipstream bench peers',
      ),
    );
    writeFileSync(
      files.sink,
      renderProperties(
        sinkProperties({
          name: o.name,
          topic: ctx.topic,
          tasks: o.tasks,
          mongoUri: o.mongoUri,
          db: o.db,
          collection: o.collection,
          writeModel: o.writeModel,
          deadLetterTopic,
        }),
        `MongoDB sink (${o.writeModel}), written by ipstream bench peers`,
      ),
    );
    writeFileSync(files.log4j, connectLog4j());
    written = true;
  };

  return {
    system: `kafka-connect (${o.writeModel})`,
    target: { db: o.db, collection: o.collection, seqPath: 'seq' },
    async start(): Promise<PeerProcess> {
      await writeFiles();
      const proc = new MeasuredProcess(
        commandPath('java'),
        [...connectJvmArgs(files.log4j, o.classpath), STANDALONE_MAIN, files.worker, files.sink],
        {},
      );
      return {
        proc,
        assigned: async (timeoutMs) =>
          (await proc.waitForLine('stderr', (t) => (assignedPartitions(t)?.length ?? 0) > 0, timeoutMs)).at,
        stored: () => committedSum(ctx, group),
        done: async () => {
          if (proc.child.exitCode !== null || proc.child.signalCode !== null)
            throw new Error(`Kafka Connect exited before storing everything\n${proc.tail()}`);
          const failed = proc
            .lines('stderr')
            .find((l) => /Task threw an uncaught and unrecoverable/.test(l.text));
          if (failed !== undefined) throw new Error(`a Connect task failed: ${failed.text}`);
          return (await committedSum(ctx, group)) >= ctx.total;
        },
        stop: async () => {
          proc.child.kill('SIGTERM');
          await proc.waitForExit(120_000);
        },
      };
    },
    async extras() {
      const partitions = await ctx.admin.partitionCount(deadLetterTopic);
      const dlq =
        partitions === undefined
          ? 0
          : (await ctx.admin.offsets(deadLetterTopic, 'end')).reduce((a, b) => a + b, 0);
      return { deadLetterTopicRecords: dlq };
    },
    async cleanup() {
      await ctx.admin.deleteTopic(deadLetterTopic).catch(() => undefined);
      const admin = new Admin(baseClientOptions(o.kafka, 'bench-peers-admin'));
      await admin.deleteGroups({ groups: [group] }).catch(() => undefined);
      await admin.close().catch(() => undefined);
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}
