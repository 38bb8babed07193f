import { readFileSync } from 'node:fs';
import { type Static, type TObject, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '../errors/index.ts';
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

/**
 * What the TLS files held, read once when the configuration is loaded (the clients of every worker
 * thread get the contents, not the paths). Present exactly when TLS is on; empty: the system CAs.
 */
const TlsMaterialSchema = Type.Object({
  ca: Type.Optional(Type.String()),
  cert: Type.Optional(Type.String()),
  key: Type.Optional(Type.String()),
});

export type TlsMaterial = Static<typeof TlsMaterialSchema>;

const ConfigSchema = Type.Object({
  kafka: Type.Object({
    ...groupSchema(SETTINGS.kafka).properties,
    tlsMaterial: Type.Optional(TlsMaterialSchema),
  }),
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
  if (raw === undefined) return s.default;
  // A password is taken as it is: spaces around it may belong to it.
  return s.secret ? s.parse(env[s.env!]!, s.env!) : s.parse(raw, s.env!);
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

/** The schema check, then the checks across settings; reads the Kafka TLS files. */
function validateConfig(candidate: unknown): Config {
  const [first] = Value.Errors(ConfigSchema, candidate);
  if (first === undefined) {
    const config = candidate as Config;
    const tlsMaterial = checkKafkaSecurity(config.kafka);
    return { ...config, kafka: { ...config.kafka, tlsMaterial } };
  }
  const path = first.instancePath.replace(/\/\d+$/, '');
  const name = ENV_NAMES.get(path) ?? path;
  const value = path
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], candidate);
  const row = ROWS.get(path);
  const got = row?.secret ? '' : ` (got ${row?.shown?.(value) ?? JSON.stringify(value)})`;
  throw new ConfigError(`invalid ${name}: ${row?.hint ?? first.message}${got}`);
}

const env = (s: Setting): string => s.env ?? '';

/**
 * SASL needs all three of mechanism, user and password; a client certificate needs its key; the
 * TLS files turn TLS on unless KAFKA_TLS says false, which is refused rather than guessed at.
 * Messages name the settings, never their values.
 */
function checkKafkaSecurity(kafka: Config['kafka']): TlsMaterial | undefined {
  const k = SETTINGS.kafka;
  const credentials = [
    { name: env(k.saslUsername), set: kafka.saslUsername !== undefined },
    { name: env(k.saslPassword), set: kafka.saslPassword !== undefined },
  ];
  if (kafka.saslMechanism === undefined) {
    const stray = credentials.find((c) => c.set);
    if (stray !== undefined) {
      throw new ConfigError(
        `${stray.name} is set but ${env(k.saslMechanism)} is not: set it to plain, scram-sha-256 or scram-sha-512`,
      );
    }
  } else {
    const missing = credentials.filter((c) => !c.set).map((c) => c.name);
    if (missing.length > 0) {
      throw new ConfigError(
        `${env(k.saslMechanism)} is ${kafka.saslMechanism} but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      );
    }
  }
  const cert = { name: env(k.tlsCertFile), path: kafka.tlsCertFile };
  const key = { name: env(k.tlsKeyFile), path: kafka.tlsKeyFile };
  if ((cert.path === undefined) !== (key.path === undefined)) {
    const [set, unset] = cert.path === undefined ? [key, cert] : [cert, key];
    throw new ConfigError(`${set.name} is set but ${unset.name} is not: mutual TLS needs both`);
  }
  const ca = { name: env(k.tlsCaFile), path: kafka.tlsCaFile };
  const given = [ca, cert].find((f) => f.path !== undefined);
  if (kafka.tls === false && given !== undefined) {
    throw new ConfigError(
      `${given.name} is set but ${env(k.tls)} is false: unset ${env(k.tls)} or set it to true`,
    );
  }
  if (kafka.tls !== true && given === undefined) return undefined;
  const material: TlsMaterial = {};
  if (ca.path !== undefined) material.ca = readSettingFile(ca.name, ca.path);
  if (cert.path !== undefined) material.cert = readSettingFile(cert.name, cert.path);
  if (key.path !== undefined) material.key = readSettingFile(key.name, key.path);
  return material;
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

function readSettingFile(env: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(`${env}: cannot read ${path}: ${FILE_ERRORS[code] ?? code}`, { cause: error });
  }
}
