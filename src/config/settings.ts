/**
 * Every setting in one table: its environment variable, where it lands in the typed Config, its
 * default, its schema and the hint a wrong value gets. The loader (config.ts), the list of
 * environment names, the CLI help, the flush policy's defaults and the README's configuration
 * table (checked by test/unit/config/settings-doc.test.ts) all read from here.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { ConfigError } from '../errors/index.ts';
import { MAX_RECORD_BYTES_LIMIT } from '../events/index.ts';

export interface Setting<
  S extends TSchema = TSchema,
  D extends Static<S> | undefined = Static<S> | undefined,
> {
  /** Environment variable; null for a setting only code sets. */
  env: string | null;
  schema: S;
  /** Undefined: unset unless configured. */
  default: D;
  /** Text from the environment to a value the schema checks. */
  parse: (raw: string, env: string) => unknown;
  /** What it does, for the README and --help. */
  doc: string;
  /** Plainer words than the schema's, for a value it refuses. */
  hint?: string;
  /** How the README shows the default, when the value itself is not the clearest. */
  shownDefault?: string;
  /** A password or the like: its value is never printed (in errors, logs or answers). */
  secret?: true;
  /** How a value is printed in an error when part of it is secret (a URI's password); default: as JSON. */
  shown?: (value: unknown) => string;
}

function setting<S extends TSchema, D extends Static<S> | undefined>(s: Setting<S, D>): Setting<S, D> {
  return s;
}

const text = (raw: string): string => raw;

const list = (raw: string): string[] => raw.split(',').map((item) => item.trim());

function integer(raw: string, env: string): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${env} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function boolean(raw: string, env: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${env} must be true or false, got "${raw}"`);
}

const MiB = 1024 * 1024;

/**
 * `mongodb://user:pass@host` as `mongodb://user:***@host`: a URI may be printed, its password not.
 * The password ends at the last `@`, so one with an unescaped `@` or `/` is masked whole too.
 */
export function maskUriCredentials(uri: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(uri)?.[0] ?? '';
  const rest = uri.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return uri;
  return `${scheme}${rest.slice(0, colon)}:***${rest.slice(at)}`;
}

const optionalFile = (env: string, doc: string) =>
  setting({
    env,
    schema: Type.Optional(Type.String({ minLength: 1 })),
    default: undefined,
    parse: text,
    doc,
  });

export const SETTINGS = {
  kafka: {
    brokers: setting({
      env: 'KAFKA_BROKERS',
      schema: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' }), { minItems: 1 }),
      default: ['localhost:9092'],
      parse: list,
      doc: 'bootstrap brokers, comma-separated',
      hint: 'must be a comma-separated list of host:port',
      shownDefault: 'localhost:9092',
    }),
    topic: setting({
      env: 'KAFKA_TOPIC',
      schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' }),
      default: 'device-events',
      parse: text,
      doc: 'the events topic',
      hint: 'must be 1-249 characters of letters, digits, ".", "_" or "-"',
    }),
    group: setting({
      env: 'KAFKA_GROUP',
      schema: Type.String({ minLength: 1, maxLength: 255 }),
      default: 'ipstream-ingest',
      parse: text,
      doc: 'the ingest consumer group',
    }),
    replicationFactor: setting({
      env: 'KAFKA_REPLICATION_FACTOR',
      schema: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
      default: undefined,
      parse: integer,
      doc: "replicas per partition of a topic ipstream creates (`topic create`, or the events topic when it is missing); unset: the cluster's `default.replication.factor`",
      hint: 'must be an integer from 1 to 32',
      shownDefault: 'the cluster default',
    }),
    clientId: setting({
      env: 'KAFKA_CLIENT_ID',
      schema: Type.String({ minLength: 1 }),
      default: 'ipstream',
      parse: text,
      doc: 'Kafka client id prefix (broker logs and quotas)',
    }),
    saslMechanism: setting({
      env: 'KAFKA_SASL_MECHANISM',
      schema: Type.Optional(
        Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')]),
      ),
      default: undefined,
      parse: (raw) => raw.toLowerCase(),
      doc: 'SASL: `plain`, `scram-sha-256` or `scram-sha-512` (with `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD`)',
      hint: 'must be plain, scram-sha-256 or scram-sha-512',
    }),
    saslUsername: setting({
      env: 'KAFKA_SASL_USERNAME',
      schema: Type.Optional(Type.String({ minLength: 1 })),
      default: undefined,
      parse: text,
      doc: 'SASL user (needs `KAFKA_SASL_MECHANISM`)',
    }),
    saslPassword: setting({
      env: 'KAFKA_SASL_PASSWORD',
      schema: Type.Optional(Type.String({ minLength: 1 })),
      default: undefined,
      parse: text,
      doc: 'SASL password (needs `KAFKA_SASL_MECHANISM`); never printed or logged',
      secret: true,
    }),
    tls: setting({
      env: 'KAFKA_TLS',
      schema: Type.Optional(Type.Boolean()),
      default: undefined,
      parse: boolean,
      doc: 'TLS to the brokers; unset: on when `KAFKA_TLS_CA_FILE` or `KAFKA_TLS_CERT_FILE` is set (`false` with either is refused)',
    }),
    tlsCaFile: optionalFile(
      'KAFKA_TLS_CA_FILE',
      'PEM CA certificates to check the brokers against (default: the system CAs)',
    ),
    tlsCertFile: optionalFile(
      'KAFKA_TLS_CERT_FILE',
      'PEM client certificate for mutual TLS (with `KAFKA_TLS_KEY_FILE`)',
    ),
    tlsKeyFile: optionalFile('KAFKA_TLS_KEY_FILE', 'PEM private key of `KAFKA_TLS_CERT_FILE`, unencrypted'),
  },
  mongo: {
    uri: setting({
      env: 'MONGODB_URI',
      schema: Type.String({ pattern: '^mongodb(\\+srv)?://' }),
      default: 'mongodb://127.0.0.1:27017',
      parse: text,
      doc: 'MongoDB (or any MongoDB-wire server); credentials and TLS go in the URI, as `mongodb://user:password@host/?tls=true&tlsCAFile=/ca.pem&tlsCertificateKeyFile=/client.pem` (docs/deployment.md); its password is never printed',
      hint: 'must start with mongodb:// or mongodb+srv://',
      shown: (value) => JSON.stringify(typeof value === 'string' ? maskUriCredentials(value) : value),
    }),
    db: setting({
      env: 'MONGODB_DB',
      schema: Type.String({ pattern: '^[^/\\\\. "$*<>:|?]{1,63}$' }),
      default: 'ipstream',
      parse: text,
      doc: 'database',
    }),
  },
  http: {
    port: setting({
      env: 'PORT',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 8000,
      parse: integer,
      doc: 'HTTP port (0: any free port)',
    }),
    host: setting({
      env: 'HOST',
      schema: Type.String({ minLength: 1 }),
      default: '0.0.0.0',
      parse: text,
      doc: 'HTTP listen address',
    }),
    apiToken: setting({
      env: 'API_TOKEN',
      schema: Type.Optional(Type.String({ minLength: 1 })),
      default: undefined,
      parse: text,
      doc: 'when set, `/api/*` and `/count/addresses` require `Authorization: Bearer <token>`',
    }),
    cors: setting({
      env: 'CORS',
      schema: Type.Boolean(),
      default: false,
      parse: boolean,
      doc: 'allow cross-origin requests',
    }),
  },
  ingest: {
    workers: setting({
      env: 'INGEST_WORKERS',
      schema: Type.Integer({ minimum: 1, maximum: 256 }),
      default: 2,
      parse: integer,
      doc: 'consumers (group members) per ingest process, two to a worker thread unless `INGEST_THREADS` says otherwise',
    }),
    threads: setting({
      env: 'INGEST_THREADS',
      schema: Type.Optional(Type.Integer({ minimum: 0, maximum: 256 })),
      default: undefined,
      parse: integer,
      doc: 'worker threads the consumers share (unset: one per two consumers, or none when `INGEST_MEMORY_MB` cannot hold them; 0: none, the consumers run on the main thread); the consumers of a thread write their batches together, and a thread costs about 100 MB before it holds a record, so fewer leave each consumer more of `INGEST_MEMORY_MB`; more spread decoding over more cores',
    }),
    memoryMb: setting({
      env: 'INGEST_MEMORY_MB',
      schema: Type.Integer({ minimum: 256, maximum: 1_048_576 }),
      default: 1024,
      parse: integer,
      doc: 'resident memory the ingest process (`up`: with its API) stays under: buffers, batches, fetches and heaps are sized from it; a worker count that cannot fit is refused at start',
      hint: 'must be a whole number of MiB from 256',
    }),
    httpPort: setting({
      env: 'INGEST_HTTP_PORT',
      schema: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
      default: undefined,
      parse: integer,
      doc: 'a standalone `ingest` serves `/healthz`, `/readyz` and `/metrics` on this port, on `HOST` (0: any free port; unset: none; `up` serves them on `PORT`)',
      hint: 'must be a port from 0 to 65535',
    }),
    flushIntervalMs: setting({
      env: 'FLUSH_INTERVAL_MS',
      schema: Type.Integer({ minimum: 10, maximum: 600_000 }),
      default: 1000,
      parse: integer,
      doc: 'flush when the oldest buffered record is this old',
    }),
    targetFlushMs: setting({
      env: 'FLUSH_TARGET_MS',
      schema: Type.Integer({ minimum: 10, maximum: 60_000 }),
      default: 250,
      parse: integer,
      doc: 'write latency the adaptive batch size aims at',
    }),
    adaptive: setting({
      env: 'FLUSH_ADAPTIVE',
      schema: Type.Boolean(),
      default: true,
      parse: boolean,
      doc: 'tune the batch limits to the store latency (false: keep FLUSH_COUNT and FLUSH_BYTES)',
    }),
    flushCount: setting({
      env: 'FLUSH_COUNT',
      schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      default: 5000,
      parse: integer,
      doc: 'records per batch: the starting (or, not adaptive, fixed) limit',
    }),
    flushBytes: setting({
      env: 'FLUSH_BYTES',
      schema: Type.Integer({ minimum: 1024, maximum: 1024 * MiB }),
      default: 4 * MiB,
      parse: integer,
      doc: 'bytes per batch: the starting (or, not adaptive, fixed) limit',
    }),
    maxBufferBytes: setting({
      env: 'INGEST_MAX_BUFFER_BYTES',
      schema: Type.Optional(Type.Integer({ minimum: 1024, maximum: 4096 * MiB })),
      default: undefined,
      parse: integer,
      doc: 'per consumer: fetching pauses while this much waits to be stored (unset: a tenth of its share of `INGEST_MEMORY_MB`; set: refused if over a quarter of it)',
    }),
    maxRecordBytes: setting({
      env: 'MAX_RECORD_BYTES',
      // Below what one stored document may hold (src/events/store-limits.ts).
      schema: Type.Integer({ minimum: 64, maximum: MAX_RECORD_BYTES_LIMIT }),
      default: 64 * 1024,
      parse: integer,
      doc: 'larger record values are `OVERSIZED` dead letters',
    }),
    deadLetterValueChars: setting({
      env: null,
      schema: Type.Integer({ minimum: 16, maximum: MiB }),
      default: 4096,
      parse: integer,
      doc: 'characters of a rejected value kept in its dead letter',
    }),
  },
  store: {
    eventsLayout: setting({
      env: 'EVENTS_LAYOUT',
      schema: Type.Union([Type.Literal('documents'), Type.Literal('buckets')]),
      default: 'documents',
      parse: text,
      doc: 'how events are stored: `documents`, one per event; `buckets`, runs of offsets of one partition per document (fewer, larger writes); fixed when a database is first written',
      hint: 'must be documents or buckets',
    }),
    retentionDays: setting({
      env: 'EVENTS_RETENTION_DAYS',
      schema: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500 })),
      default: undefined,
      parse: integer,
      doc: 'delete events stored more than this many days ago (unset: keep them); counts and answers keep them',
    }),
  },
  services: {
    stateDir: setting({
      env: 'IPSTREAM_STATE_DIR',
      schema: Type.String({ minLength: 1 }),
      default: '.ipstream',
      parse: text,
      doc: 'data, logs and pid files of the local services',
    }),
  },
  /** Settings at the top of the Config (`config.logLevel`). */
  top: {
    logLevel: setting({
      env: 'LOG_LEVEL',
      schema: Type.Union([
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ]),
      default: 'info',
      parse: text,
      doc: 'pino level; logs go to stderr (readable on a terminal, JSON lines otherwise)',
      hint: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  },
} as const;

export type Settings = typeof SETTINGS;

/** Every row with its place in the Config (`/kafka/brokers`, `/logLevel`), in table order. */
export function settingRows(): { path: string; group: string; key: string; setting: Setting }[] {
  return Object.entries(SETTINGS).flatMap(([group, rows]) =>
    Object.entries(rows).map(([key, setting]) => ({
      path: group === 'top' ? `/${key}` : `/${group}/${key}`,
      group,
      key,
      setting: setting as Setting,
    })),
  );
}

/** A default as people write it: `2`, `true`, `a,b`, or "unset". */
export function shownDefault(s: Setting): string {
  if (s.shownDefault !== undefined) return s.shownDefault;
  const value: unknown = s.default;
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

/** "default: INGEST_WORKERS or 2", for a flag's help text. */
export function flagDefault(s: Setting): string {
  const shown = shownDefault(s);
  return s.env === null ? `default: ${shown}` : `default: ${s.env} or ${shown}`;
}
