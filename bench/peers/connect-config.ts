/**
 * Kafka Connect's configuration for the peers benchmark, as its users would write it for this data
 * (pure: rendered here, written and started by kafka-connect.ts):
 *
 * - worker (standalone): JSON values without schemas (the records are plain JSON objects), string
 *   keys (the key is the device address as sent, not JSON); offsets of a sink live in the consumer
 *   group `connect-<connector name>`, so the standalone offsets file holds nothing for it;
 * - sink: MongoDB's connector, `_id` from the Kafka coordinates (KafkaMetaDataStrategy:
 *   `topic#partition#offset`), so a replayed record lands on the same document; unordered bulk
 *   writes; bad records tolerated and sent to a dead-letter topic with their error in its headers;
 *   the write model either the default (ReplaceOneDefaultStrategy: replace by `_id`, upsert) or
 *   insert-only (InsertOneDefaultStrategy: a replayed record is a duplicate-key error, which the
 *   connector reports to the dead-letter topic).
 */

export type WriteModel = 'replace' | 'insert';

export const WRITE_MODEL_CLASSES: Record<WriteModel, string> = {
  // What DefaultWriteModelStrategy delegates to for a plain (non-timeseries) collection.
  replace: 'com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneDefaultStrategy',
  insert: 'com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy',
};

export const ID_STRATEGY = 'com.mongodb.kafka.connect.sink.processor.id.strategy.KafkaMetaDataStrategy';
export const SINK_CONNECTOR = 'com.mongodb.kafka.connect.MongoSinkConnector';
export const STANDALONE_MAIN = 'org.apache.kafka.connect.cli.ConnectStandalone';

export interface WorkerOptions {
  brokers: readonly string[];
  /** Standalone offsets file (sources only; required by the worker all the same). */
  offsetsFile: string;
  /** REST listener port (standalone serves its REST API too). */
  restPort: number;
  /**
   * How often sink offsets are committed (default 60 000). Committed offsets are the benchmark's
   * signal that records are stored (a sink commits only what put() returned for), so a shorter
   * interval makes that signal as prompt as ipstream's, which commits right after each store.
   */
  offsetFlushMs: number;
}

export interface SinkOptions {
  name: string;
  topic: string;
  tasks: number;
  mongoUri: string;
  db: string;
  collection: string;
  writeModel: WriteModel;
  deadLetterTopic: string;
}

export type Properties = ReadonlyArray<readonly [string, string | number | boolean]>;

export function workerProperties(o: WorkerOptions): Properties {
  return [
    ['bootstrap.servers', o.brokers.join(',')],
    ['key.converter', 'org.apache.kafka.connect.storage.StringConverter'],
    ['value.converter', 'org.apache.kafka.connect.json.JsonConverter'],
    ['value.converter.schemas.enable', false],
    ['offset.storage.file.filename', o.offsetsFile],
    ['offset.flush.interval.ms', o.offsetFlushMs],
    ['listeners', `http://127.0.0.1:${o.restPort}`],
  ];
}

export function sinkProperties(o: SinkOptions): Properties {
  return [
    ['name', o.name],
    ['connector.class', SINK_CONNECTOR],
    ['tasks.max', o.tasks],
    ['topics', o.topic],
    ['connection.uri', o.mongoUri],
    ['database', o.db],
    ['collection', o.collection],
    ['document.id.strategy', ID_STRATEGY],
    ['writemodel.strategy', WRITE_MODEL_CLASSES[o.writeModel]],
    ['bulk.write.ordered', false],
    ['errors.tolerance', 'all'],
    ['errors.log.enable', true],
    ['errors.deadletterqueue.topic.name', o.deadLetterTopic],
    // One broker here; the default (3) cannot be created on it.
    ['errors.deadletterqueue.topic.replication.factor', 1],
    ['errors.deadletterqueue.context.headers.enable', true],
  ];
}

/** The consumer group a sink connector's tasks share. */
export function connectGroup(connectorName: string): string {
  return `connect-${connectorName}`;
}

/** The `_id` KafkaMetaDataStrategy gives a record. */
export function connectDocumentId(topic: string, partition: number, offset: number): string {
  return `${topic}#${partition}#${offset}`;
}

function escapeProperty(text: string, isKey: boolean): string {
  let out = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (isKey) out = out.replace(/([=: #!])/g, '\\$1');
  else out = out.replace(/^([ #!])/, '\\$1');
  return out;
}

/** A java.util.Properties file: `key=value` lines, escaped where Properties.load needs it. */
export function renderProperties(properties: Properties, comment?: string): string {
  const lines = comment === undefined ? [] : comment.split('\n').map((l) => `# ${l}`);
  for (const [key, value] of properties)
    lines.push(`${escapeProperty(key, true)}=${escapeProperty(String(value), false)}`);
  return `${lines.join('\n')}\n`;
}

/** JVM flags as connect-standalone.sh and kafka-run-class.sh set them by default. */
export function connectJvmArgs(log4jConfig: string, classpath: string): string[] {
  return [
    '-Xms256M',
    '-Xmx2G',
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    '-cp',
    classpath,
  ];
}

/** Connect logs at INFO (its default), to stderr, where the benchmark reads the assignment lines. */
export function connectLog4j(): string {
  return [
    'status = warn',
    'appender.out.type = Console',
    'appender.out.name = out',
    'appender.out.target = SYSTEM_ERR',
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.out.ref = out',
    '',
  ].join('\n');
}

/**
 * The partitions a Connect log line says a task was given, or null when the line is not one:
 * `... Adding newly assigned partitions: [t-0, t-1] (...ConsumerRebalanceListenerInvoker)`.
 */
export function assignedPartitions(line: string): string[] | null {
  const match = /Adding newly assigned partitions: \[?([^\]()]*)\]?/.exec(line);
  if (match === null) return null;
  return match[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
