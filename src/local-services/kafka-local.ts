import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPort } from './net.ts';
import { spawnDetached } from './processes.ts';
import { resolveMavenClasspath } from './maven.ts';
import { runStep } from './tools.ts';
import { PROJECT_ROOT } from './paths.ts';

/** Where the local broker keeps everything, below the state folder. */
export function kafkaPaths(stateDir: string) {
  const dir = join(stateDir, 'kafka');
  return {
    dir,
    data: join(dir, 'data'),
    logs: join(dir, 'logs'),
    classpath: join(dir, 'classpath.txt'),
    properties: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    pidFile: join(dir, 'kafka.pid'),
    stdout: join(dir, 'logs', 'stdout.log'),
  };
}

const POM = join(PROJECT_ROOT, 'services', 'kafka', 'pom.xml');

/**
 * Resolves the broker's jars into the user's Maven cache (~/.m2) and records the classpath. Later
 * starts reuse the recorded classpath as long as the pom has not changed and every jar is present.
 */
export async function resolveKafkaClasspath(
  stateDir: string,
  onStep: (msg: string) => void,
): Promise<string> {
  return resolveMavenClasspath(
    {
      pom: POM,
      file: kafkaPaths(stateDir).classpath,
      javaFor: 'to run the local Kafka broker',
      mavenFor: 'to fetch the Kafka broker from Maven Central',
      step: 'resolving Apache Kafka jars with Maven (first run only)',
    },
    onStep,
  );
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, as `kafka-storage random-uuid` makes. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A listener beside PLAINTEXT (which the broker uses itself) and CONTROLLER, on the same host. */
export interface KafkaListener {
  /** Upper case; its properties are `listener.name.<name in lower case>.*`. */
  name: string;
  port: number;
  protocol: 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';
}

/** SCRAM credentials written when the storage is formatted, so they exist before the broker runs. */
export interface ScramCredential {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  name: string;
  password: string;
}

/** What a secured broker adds to the local one (tests of SASL and TLS clients). */
export interface KafkaExtras {
  listeners?: KafkaListener[];
  /** More server.properties lines, as key and value (`listener.name.sasl.sasl.enabled.mechanisms`). */
  properties?: Record<string, string>;
  scram?: ScramCredential[];
}

/**
 * Where a node stands in its cluster. The local broker is a cluster of one (LONE_NODE); tests of
 * leader changes start several nodes from the same jars, each with its own id and state folder,
 * all of them controllers (KRaft, combined roles), with replicated internal topics.
 */
export interface KafkaClusterNode {
  nodeId: number;
  /** Every controller of the cluster, this node included: id and controller listener address. */
  voters: { nodeId: number; host: string; port: number }[];
  /** Replication factor of the internal topics, and of topics created without one. */
  replicationFactor: number;
  /** min.insync.replicas of every topic (acks=all needs this many copies) and the transaction log. */
  minInsyncReplicas: number;
  /** The cluster's id, the same on every node (storage formatted under another id cannot join). */
  clusterId?: string;
}

/** The local broker: one node, its own controller, nothing to replicate to. */
function loneNode(listen: HostPort): KafkaClusterNode {
  const host = listen.host === 'localhost' ? '127.0.0.1' : listen.host;
  return {
    nodeId: 1,
    voters: [{ nodeId: 1, host, port: listen.port + 1 }],
    replicationFactor: 1,
    minInsyncReplicas: 1,
  };
}

function writeKafkaConfig(
  stateDir: string,
  listen: HostPort,
  extras: KafkaExtras,
  node: KafkaClusterNode,
): void {
  const paths = kafkaPaths(stateDir);
  const controllerPort = listen.port + 1;
  const host = listen.host === 'localhost' ? '127.0.0.1' : listen.host;
  const listeners = [
    { name: 'PLAINTEXT', port: listen.port, protocol: 'PLAINTEXT' },
    ...(extras.listeners ?? []),
  ];
  const urls = (list: { name: string; port: number }[]) =>
    list.map((l) => `${l.name}://${host}:${l.port}`).join(',');
  const replicas = String(node.replicationFactor);
  const minIsr = String(node.minInsyncReplicas);
  mkdirSync(paths.logs, { recursive: true });
  // Broker and controller in one process. The internal topics are replicated as widely as the
  // cluster allows (a lone node has nothing to replicate to, so 1).
  writeFileSync(
    paths.properties,
    [
      'process.roles=broker,controller',
      `node.id=${node.nodeId}`,
      `controller.quorum.voters=${node.voters.map((v) => `${v.nodeId}@${v.host}:${v.port}`).join(',')}`,
      `listeners=${urls([...listeners, { name: 'CONTROLLER', port: controllerPort }])}`,
      `advertised.listeners=${urls(listeners)}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${listeners.map((l) => `${l.name}:${l.protocol}`).join(',')}`,
      `log.dirs=${paths.data}`,
      'num.partitions=1',
      `default.replication.factor=${replicas}`,
      `min.insync.replicas=${minIsr}`,
      'auto.create.topics.enable=false',
      `offsets.topic.replication.factor=${replicas}`,
      'offsets.topic.num.partitions=10',
      `transaction.state.log.replication.factor=${replicas}`,
      `transaction.state.log.min.isr=${minIsr}`,
      `share.coordinator.state.topic.replication.factor=${replicas}`,
      `share.coordinator.state.topic.min.isr=${minIsr}`,
      'group.initial.rebalance.delay.ms=0',
      // A killed member's partitions move after the session timeout: short enough to fail over
      // quickly, long enough not to flap under GC or a slow store.
      'group.consumer.min.session.timeout.ms=6000',
      'group.consumer.session.timeout.ms=10000',
      'group.consumer.min.heartbeat.interval.ms=500',
      'group.consumer.heartbeat.interval.ms=1000',
      'log.retention.hours=168',
      'log.segment.bytes=268435456',
      ...Object.entries(extras.properties ?? {}).map(([key, value]) => `${key}=${value}`),
      '',
    ].join('\n'),
  );
  writeFileSync(
    paths.log4j,
    [
      'status = warn',
      'appender.file.type = RollingFile',
      'appender.file.name = file',
      `appender.file.fileName = ${join(paths.logs, 'server.log')}`,
      `appender.file.filePattern = ${join(paths.logs, 'server.log.%i')}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'appender.file.policies.type = Policies',
      'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
      'appender.file.policies.size.size = 20MB',
      'appender.file.strategy.type = DefaultRolloverStrategy',
      'appender.file.strategy.max = 3',
      'rootLogger.level = info',
      'rootLogger.appenderRef.file.ref = file',
      'logger.request.name = kafka.request.logger',
      'logger.request.level = warn',
      '',
    ].join('\n'),
  );
}

function javaArgs(stateDir: string, classpath: string): string[] {
  const paths = kafkaPaths(stateDir);
  return [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4j}`,
    `-Dkafka.logs.dir=${paths.logs}`,
    '-cp',
    classpath,
  ];
}

/** Formats storage on first start (KRaft needs a cluster id written into log.dirs before it runs). */
async function formatStorageOnce(
  stateDir: string,
  classpath: string,
  scram: ScramCredential[],
  clusterId: string,
): Promise<void> {
  const paths = kafkaPaths(stateDir);
  if (existsSync(join(paths.data, 'meta.properties'))) return;
  await runStep(
    'java',
    [
      ...javaArgs(stateDir, classpath),
      'kafka.tools.StorageTool',
      'format',
      '--config',
      paths.properties,
      '--cluster-id',
      clusterId,
      '--ignore-formatted',
      ...scram.flatMap((c) => ['--add-scram', `${c.mechanism}=[name=${c.name},password=${c.password}]`]),
    ],
    { cwd: paths.dir, timeoutMs: 120_000 },
  );
}

/**
 * Starts a KRaft node detached from this process (by default the lone local broker; `node` places
 * it in a cluster of several); returns its pid.
 */
export async function startKafka(
  stateDir: string,
  listen: HostPort,
  onStep: (msg: string) => void,
  extras: KafkaExtras = {},
  node: KafkaClusterNode = loneNode(listen),
): Promise<number> {
  const classpath = await resolveKafkaClasspath(stateDir, onStep);
  writeKafkaConfig(stateDir, listen, extras, node);
  await formatStorageOnce(stateDir, classpath, extras.scram ?? [], node.clusterId ?? newClusterId());
  onStep(`starting Kafka on ${listen.host}:${listen.port}`);
  const paths = kafkaPaths(stateDir);
  return spawnDetached('java', [...javaArgs(stateDir, classpath), 'kafka.Kafka', paths.properties], {
    cwd: paths.dir,
    logFile: paths.stdout,
    pidFile: paths.pidFile,
  });
}
