import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../errors/errors.ts';

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
  services: Type.Object({
    /** Where locally started Kafka and FerretDB keep data, logs and pid files. */
    stateDir: Type.String({ minLength: 1 }),
    /** True when neither KAFKA_BROKERS nor MONGODB_URI was set: `up` may start local services. */
    autoStart: Type.Boolean(),
  }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  ),
});

export type Config = Static<typeof ConfigSchema>;
export type KafkaConfig = Config['kafka'];
export type MongoConfig = Config['mongo'];

type Env = Record<string, string | undefined>;

/** Deep-partial overrides, as produced by command-line flags. */
export interface ConfigOverrides {
  kafka?: Partial<KafkaConfig>;
  mongo?: Partial<MongoConfig>;
  http?: Partial<Config['http']>;
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

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw)) throw new ConfigError(`PORT must be an integer 0..65535, got "${raw}"`);
  return Number(raw);
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
      port: parsePort(nonEmpty(env.PORT) ?? DEFAULTS.PORT),
      host: nonEmpty(env.HOST) ?? '0.0.0.0',
      apiToken: nonEmpty(env.API_TOKEN),
      cors: nonEmpty(env.CORS) === 'true',
      ...overrides.http,
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
};

export function validateConfig(candidate: unknown): Config {
  const first = Value.Errors(ConfigSchema, candidate).First();
  if (first === undefined) return candidate as Config;
  const path = first.path.replace(/\/\d+$/, '');
  const name = ENV_NAMES[path] ?? path;
  throw new ConfigError(`invalid ${name}: ${first.message} (got ${JSON.stringify(first.value)})`);
}
