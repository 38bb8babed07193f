import { type Static, type TObject, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '../errors/errors.ts';
import { SETTINGS, type Setting, settingRows } from './settings.ts';

/**
 * The one typed configuration object. It is read from the environment once, at start-up, merged
 * with command-line overrides, and validated here; modules receive the parts they need and never
 * read process.env themselves. What each setting is lives in settings.ts.
 */
type GroupSchema<G extends Record<string, Setting>> = TObject<{ -readonly [K in keyof G]: G[K]['schema'] }>;

function groupSchema<G extends Record<string, Setting>>(group: G): GroupSchema<G> {
  const properties: Record<string, TSchema> = {};
  for (const [key, s] of Object.entries(group)) properties[key] = s.schema;
  return Type.Object(properties) as GroupSchema<G>;
}

const ConfigSchema = Type.Object({
  kafka: groupSchema(SETTINGS.kafka),
  mongo: groupSchema(SETTINGS.mongo),
  http: groupSchema(SETTINGS.http),
  ingest: groupSchema(SETTINGS.ingest),
  store: groupSchema(SETTINGS.store),
  services: Type.Object({
    ...groupSchema(SETTINGS.services).properties,
    /** True when neither KAFKA_BROKERS nor MONGODB_URI was set: `up` may start local services. */
    autoStart: Type.Boolean(),
  }),
  ...groupSchema(SETTINGS.top).properties,
});

export type Config = Static<typeof ConfigSchema>;
export type KafkaConfig = Config['kafka'];
export type MongoConfig = Config['mongo'];
export type IngestConfig = Config['ingest'];

type Env = Record<string, string | undefined>;

/** Deep-partial overrides, as produced by command-line flags. */
export interface ConfigOverrides {
  store?: Partial<Config['store']>;
  kafka?: Partial<KafkaConfig>;
  mongo?: Partial<MongoConfig>;
  http?: Partial<Config['http']>;
  ingest?: Partial<IngestConfig>;
  services?: Partial<Config['services']>;
  logLevel?: Config['logLevel'];
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function valueOf(s: Setting, env: Env): unknown {
  const raw = s.env === null ? undefined : nonEmpty(env[s.env]);
  return raw === undefined ? s.default : s.parse(raw, s.env!);
}

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Config {
  const candidate: Record<string, unknown> = {};
  for (const { group, key, setting } of settingRows()) {
    const value = valueOf(setting, env);
    if (value === undefined) continue;
    if (group === 'top') candidate[key] = value;
    else ((candidate[group] ??= {}) as Record<string, unknown>)[key] = value;
  }
  const services = candidate.services as Record<string, unknown>;
  services.autoStart = [SETTINGS.kafka.brokers, SETTINGS.mongo.uri].every(
    (s) => nonEmpty(env[s.env ?? '']) === undefined,
  );
  for (const group of ['kafka', 'mongo', 'http', 'ingest', 'store', 'services'] as const) {
    candidate[group] = { ...(candidate[group] as object), ...overrides[group] };
  }
  if (overrides.logLevel !== undefined) candidate.logLevel = overrides.logLevel;
  return validateConfig(candidate);
}

const ROWS = new Map(settingRows().map((r) => [r.path, r.setting]));

/** Environment variable names by config path (`/kafka/brokers` -> KAFKA_BROKERS). */
const ENV_NAMES: ReadonlyMap<string, string> = new Map(
  settingRows().flatMap((r) => (r.setting.env === null ? [] : [[r.path, r.setting.env] as const])),
);

function validateConfig(candidate: unknown): Config {
  const [first] = Value.Errors(ConfigSchema, candidate);
  if (first === undefined) return candidate as Config;
  const path = first.instancePath.replace(/\/\d+$/, '');
  const name = ENV_NAMES.get(path) ?? path;
  const value = path
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], candidate);
  throw new ConfigError(
    `invalid ${name}: ${ROWS.get(path)?.hint ?? first.message} (got ${JSON.stringify(value)})`,
  );
}
