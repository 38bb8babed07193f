import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '../errors/errors.ts';
import { MAX_RECORD_BYTES_LIMIT } from '../events/store-limits.ts';

/**
 * The one typed configuration object. It is read from the environment once, at start-up, merged
 * with command-line overrides, and validated here; modules receive the parts they need and never
 * read process.env themselves.
 */
const ConfigSchema = Type.Object({
  kafka: Type.Object({
    brokers: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' }), { minItems: 1 }),
    topic: Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' }),
    group: Type.String({ minLength: 1, maxLength: 255 }),
    clientId: Type.String({ minLength: 1 }),
  }),
  mongo: Type.Object({
    uri: Type.String({ pattern: '^mongodb(\\+srv)?://' }),
    db: Type.String({ pattern: '^[^/\\\\. "$*<>:|?]{1,63}$' }),
  }),
  http: Type.Object({
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String({ minLength: 1 }),
    apiToken: Type.Optional(Type.String({ minLength: 1 })),
    cors: Type.Boolean(),
  }),
  ingest: Type.Object({
    workers: Type.Integer({ minimum: 1, maximum: 256 }),
    /** Oldest buffered record's age that forces a flush (the seed flushed every 10 s). */
    flushIntervalMs: Type.Integer({ minimum: 10, maximum: 600_000 }),
    /** The adaptive policy aims each store write at this duration. */
    targetFlushMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
    adaptive: Type.Boolean(),
    /** Fixed (or starting) flush limits; the adaptive policy moves them within min/max bounds. */
    flushCount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    flushBytes: Type.Integer({ minimum: 1024, maximum: 1024 ** 3 }),
    /** Fetching pauses while this many bytes wait in the buffer. */
    maxBufferBytes: Type.Integer({ minimum: 1024, maximum: 4 * 1024 ** 3 }),
    /** Larger records are dead letters; capped so that one record always fits a stored document. */
    maxRecordBytes: Type.Integer({ minimum: 64, maximum: MAX_RECORD_BYTES_LIMIT }),
    deadLetterValueChars: Type.Integer({ minimum: 16, maximum: 1024 ** 2 }),
  }),
  services: Type.Object({
    /** Where locally started Kafka and FerretDB keep data, logs and pid files. */
    stateDir: Type.String({ minLength: 1 }),
    /** True when neither KAFKA_BROKERS nor MONGODB_URI was set: `up` may start local services. */
    autoStart: Type.Boolean(),
  }),
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
});

export type Config = Static<typeof ConfigSchema>;
export type KafkaConfig = Config['kafka'];
export type MongoConfig = Config['mongo'];
export type IngestConfig = Config['ingest'];

type Env = Record<string, string | undefined>;

/** Deep-partial overrides, as produced by command-line flags. */
export interface ConfigOverrides {
  kafka?: Partial<KafkaConfig>;
  mongo?: Partial<MongoConfig>;
  http?: Partial<Config['http']>;
  ingest?: Partial<IngestConfig>;
  services?: Partial<Config['services']>;
  logLevel?: Config['logLevel'];
}

export const DEFAULTS = {
  KAFKA_BROKERS: 'localhost:9092',
  KAFKA_TOPIC: 'device-events',
  KAFKA_GROUP: 'ipstream-ingest',
  MONGODB_URI: 'mongodb://127.0.0.1:27017',
  MONGODB_DB: 'ipstream',
  PORT: '8000',
} as const;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function parseInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function parseBoolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Config {
  const brokers = nonEmpty(env.KAFKA_BROKERS);
  const uri = nonEmpty(env.MONGODB_URI);
  const candidate = {
    kafka: {
      brokers: (brokers ?? DEFAULTS.KAFKA_BROKERS).split(',').map((b) => b.trim()),
      topic: nonEmpty(env.KAFKA_TOPIC) ?? DEFAULTS.KAFKA_TOPIC,
      group: nonEmpty(env.KAFKA_GROUP) ?? DEFAULTS.KAFKA_GROUP,
      clientId: nonEmpty(env.KAFKA_CLIENT_ID) ?? 'ipstream',
      ...overrides.kafka,
    },
    mongo: {
      uri: uri ?? DEFAULTS.MONGODB_URI,
      db: nonEmpty(env.MONGODB_DB) ?? DEFAULTS.MONGODB_DB,
      ...overrides.mongo,
    },
    http: {
      port: parseInteger('PORT', nonEmpty(env.PORT), Number(DEFAULTS.PORT)),
      host: nonEmpty(env.HOST) ?? '0.0.0.0',
      apiToken: nonEmpty(env.API_TOKEN),
      cors: parseBoolean('CORS', nonEmpty(env.CORS), false),
      ...overrides.http,
    },
    ingest: {
      workers: parseInteger('INGEST_WORKERS', nonEmpty(env.INGEST_WORKERS), 2),
      flushIntervalMs: parseInteger('FLUSH_INTERVAL_MS', nonEmpty(env.FLUSH_INTERVAL_MS), 1000),
      targetFlushMs: parseInteger('FLUSH_TARGET_MS', nonEmpty(env.FLUSH_TARGET_MS), 250),
      adaptive: parseBoolean('FLUSH_ADAPTIVE', nonEmpty(env.FLUSH_ADAPTIVE), true),
      flushCount: parseInteger('FLUSH_COUNT', nonEmpty(env.FLUSH_COUNT), 5000),
      flushBytes: parseInteger('FLUSH_BYTES', nonEmpty(env.FLUSH_BYTES), 4 * 1024 * 1024),
      maxBufferBytes: parseInteger(
        'INGEST_MAX_BUFFER_BYTES',
        nonEmpty(env.INGEST_MAX_BUFFER_BYTES),
        32 * 1024 * 1024,
      ),
      maxRecordBytes: parseInteger('MAX_RECORD_BYTES', nonEmpty(env.MAX_RECORD_BYTES), 64 * 1024),
      deadLetterValueChars: 4096,
      ...overrides.ingest,
    },
    services: {
      stateDir: nonEmpty(env.IPSTREAM_STATE_DIR) ?? '.ipstream',
      autoStart: brokers === undefined && uri === undefined,
      ...overrides.services,
    },
    logLevel: overrides.logLevel ?? nonEmpty(env.LOG_LEVEL) ?? 'info',
  };
  if (candidate.http.apiToken === undefined) delete candidate.http.apiToken;
  return validateConfig(candidate);
}

const ENV_NAMES: Record<string, string> = {
  '/kafka/brokers': 'KAFKA_BROKERS',
  '/kafka/topic': 'KAFKA_TOPIC',
  '/kafka/group': 'KAFKA_GROUP',
  '/mongo/uri': 'MONGODB_URI',
  '/mongo/db': 'MONGODB_DB',
  '/http/port': 'PORT',
  '/logLevel': 'LOG_LEVEL',
  '/ingest/workers': 'INGEST_WORKERS',
  '/ingest/flushIntervalMs': 'FLUSH_INTERVAL_MS',
  '/ingest/targetFlushMs': 'FLUSH_TARGET_MS',
  '/ingest/flushCount': 'FLUSH_COUNT',
  '/ingest/flushBytes': 'FLUSH_BYTES',
  '/ingest/maxBufferBytes': 'INGEST_MAX_BUFFER_BYTES',
  '/ingest/maxRecordBytes': 'MAX_RECORD_BYTES',
};

/** Plainer words than the schema's for the settings people get wrong most. */
const HINTS: Record<string, string> = {
  '/logLevel': 'must be one of fatal, error, warn, info, debug, trace, silent',
  '/kafka/brokers': 'must be a comma-separated list of host:port',
  '/kafka/topic': 'must be 1-249 characters of letters, digits, ".", "_" or "-"',
  '/mongo/uri': 'must start with mongodb:// or mongodb+srv://',
};

export function validateConfig(candidate: unknown): Config {
  const [first] = Value.Errors(ConfigSchema, candidate);
  if (first === undefined) return candidate as Config;
  const path = first.instancePath.replace(/\/\d+$/, '');
  const name = ENV_NAMES[path] ?? path;
  const value = path
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], candidate);
  throw new ConfigError(`invalid ${name}: ${HINTS[path] ?? first.message} (got ${JSON.stringify(value)})`);
}
