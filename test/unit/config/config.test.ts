import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig, maskUriCredentials } from '../../../src/config/index.ts';
import { ConfigError } from '../../../src/errors/index.ts';
import { MAX_RECORD_BYTES_LIMIT, STORE_MAX_DOCUMENT_BYTES } from '../../../src/events/store-limits.ts';

test('defaults are the contract defaults, and local services may be started', () => {
  const c = loadConfig({});
  assert.deepEqual(c.kafka.brokers, ['localhost:9092']);
  assert.equal(c.kafka.topic, 'device-events');
  assert.equal(c.kafka.group, 'ipstream-ingest');
  assert.equal(c.mongo.uri, 'mongodb://127.0.0.1:27017');
  assert.equal(c.mongo.db, 'ipstream');
  assert.equal(c.http.port, 8000);
  assert.equal(c.services.autoStart, true);
});

test('setting either service address turns off starting local services', () => {
  assert.equal(loadConfig({ KAFKA_BROKERS: 'k1:9092,k2:9092' }).services.autoStart, false);
  assert.deepEqual(loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092' }).kafka.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(loadConfig({ MONGODB_URI: 'mongodb://db:27017' }).services.autoStart, false);
});

test('overrides (flags) win over the environment', () => {
  const c = loadConfig({ PORT: '9000', KAFKA_TOPIC: 'a' }, { http: { port: 9100 }, kafka: { topic: 'b' } });
  assert.equal(c.http.port, 9100);
  assert.equal(c.kafka.topic, 'b');
});

const BAD: [Record<string, string>, RegExp][] = [
  [{ KAFKA_BROKERS: 'no-port' }, /KAFKA_BROKERS: must be a comma-separated list of host:port/],
  [{ KAFKA_TOPIC: 'bad topic!' }, /KAFKA_TOPIC/],
  [{ MONGODB_URI: 'http://x' }, /MONGODB_URI: must start with mongodb:\/\//],
  [{ PORT: '99999' }, /PORT/],
  [{ PORT: 'eighty' }, /PORT must be a non-negative integer/],
  [{ INGEST_WORKERS: '0' }, /INGEST_WORKERS/],
  [{ INGEST_MEMORY_MB: '100' }, /INGEST_MEMORY_MB: must be a whole number of MiB from 256 \(got 100\)/],
  [{ INGEST_MEMORY_MB: '1g' }, /INGEST_MEMORY_MB must be a non-negative integer/],
  [{ INGEST_THREADS: '-1' }, /INGEST_THREADS/],
  [{ INGEST_THREADS: '257' }, /INGEST_THREADS/],
  [{ FLUSH_ADAPTIVE: 'maybe' }, /FLUSH_ADAPTIVE must be true or false/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
  [{ EVENTS_LAYOUT: 'columns' }, /EVENTS_LAYOUT: must be documents or buckets/],
  [{ INGEST_HTTP_PORT: '99999' }, /INGEST_HTTP_PORT/],
  [{ INGEST_HTTP_PORT: 'metrics' }, /INGEST_HTTP_PORT/],
];

for (const [env, message] of BAD) {
  test(`rejects ${JSON.stringify(env)} with one clear line`, () => {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) =>
        error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'),
    );
  });
}

test('MAX_RECORD_BYTES is capped so that a record always fits one stored document', () => {
  assert.equal(
    loadConfig({ MAX_RECORD_BYTES: String(MAX_RECORD_BYTES_LIMIT) }).ingest.maxRecordBytes,
    MAX_RECORD_BYTES_LIMIT,
  );
  assert.ok(MAX_RECORD_BYTES_LIMIT < STORE_MAX_DOCUMENT_BYTES);
  assert.throws(
    () => loadConfig({ MAX_RECORD_BYTES: String(STORE_MAX_DOCUMENT_BYTES) }),
    (error: unknown) => error instanceof ConfigError && /MAX_RECORD_BYTES/.test(error.message),
  );
});

const tlsDir = mkdtempSync(join(tmpdir(), 'ipstream-config-'));
after(() => rmSync(tlsDir, { recursive: true, force: true }));
const pem = (name: string): string => {
  const path = join(tlsDir, name);
  writeFileSync(path, `-----BEGIN ${name}-----\n`);
  return path;
};
const SASL = {
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: 'ada',
  KAFKA_SASL_PASSWORD: ' p w ',
};

test('Kafka SASL settings: the mechanism in any case, the password as given', () => {
  const { kafka } = loadConfig(SASL);
  assert.equal(kafka.saslMechanism, 'scram-sha-512');
  assert.equal(kafka.saslUsername, 'ada');
  assert.equal(kafka.saslPassword, ' p w ');
  assert.equal(kafka.tlsMaterial, undefined);
});

test('Kafka TLS: off by default, on when asked, on when a CA or certificate is given; files read at load', () => {
  assert.equal(loadConfig({}).kafka.tlsMaterial, undefined);
  assert.deepEqual(loadConfig({ KAFKA_TLS: 'true' }).kafka.tlsMaterial, {});
  const ca = pem('CA');
  assert.deepEqual(loadConfig({ KAFKA_TLS_CA_FILE: ca }).kafka.tlsMaterial, { ca: '-----BEGIN CA-----\n' });
  const mutual = loadConfig({
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: ca,
    KAFKA_TLS_CERT_FILE: pem('CERT'),
    KAFKA_TLS_KEY_FILE: pem('KEY'),
  }).kafka.tlsMaterial;
  assert.deepEqual(mutual, {
    ca: '-----BEGIN CA-----\n',
    cert: '-----BEGIN CERT-----\n',
    key: '-----BEGIN KEY-----\n',
  });
});

const BAD_SECURITY: [Record<string, string>, RegExp][] = [
  [
    { KAFKA_SASL_MECHANISM: 'gssapi' },
    /^invalid KAFKA_SASL_MECHANISM: must be plain, scram-sha-256 or scram-sha-512/,
  ],
  [{ KAFKA_SASL_PASSWORD: 'pw' }, /^KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not/],
  [{ KAFKA_SASL_USERNAME: 'ada' }, /^KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not/],
  [
    { KAFKA_SASL_MECHANISM: 'plain' },
    /^KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are not set/,
  ],
  [
    { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'ada' },
    /^KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_PASSWORD is not set/,
  ],
  [{ KAFKA_TLS: 'yes' }, /^KAFKA_TLS must be true or false/],
  [{ KAFKA_TLS_CERT_FILE: '/c.pem' }, /^KAFKA_TLS_CERT_FILE is set but KAFKA_TLS_KEY_FILE is not/],
  [{ KAFKA_TLS_KEY_FILE: '/k.pem' }, /^KAFKA_TLS_KEY_FILE is set but KAFKA_TLS_CERT_FILE is not/],
  [
    { KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '/ca.pem' },
    /^KAFKA_TLS_CA_FILE is set but KAFKA_TLS is false: unset KAFKA_TLS or set it to true/,
  ],
  [
    { KAFKA_TLS_CA_FILE: '/no/such/ca.pem' },
    /^KAFKA_TLS_CA_FILE: cannot read \/no\/such\/ca\.pem: no such file/,
  ],
  [{ KAFKA_TLS_CA_FILE: tmpdir() }, /^KAFKA_TLS_CA_FILE: cannot read .*: it is a directory/],
];

for (const [env, message] of BAD_SECURITY) {
  test(`refuses ${JSON.stringify(env)} with one line naming the settings`, () => {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) =>
        error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'),
    );
  });
}

test('a secret is never part of a configuration error, nor a password in a URI', () => {
  const password = 'Tr0ub4dor&3-in-the-config';
  const attempts: Record<string, string>[] = [
    { KAFKA_SASL_PASSWORD: password },
    { KAFKA_SASL_PASSWORD: password, KAFKA_SASL_MECHANISM: 'plain' },
    { MONGODB_URI: `http://ada:${password}@db:27017/` },
    { MONGODB_URI: `ada:${password}@db:27017` },
  ];
  for (const env of attempts) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && !error.message.includes(password),
    );
  }
  assert.throws(
    () => loadConfig({ MONGODB_URI: `http://ada:${password}@db:27017/` }),
    /\(got "http:\/\/ada:\*\*\*@db:27017\/"\)/,
  );
});

test('maskUriCredentials hides the password of a URI and keeps the rest', () => {
  assert.equal(
    maskUriCredentials('mongodb://ada:pw@db:27017/?tls=true'),
    'mongodb://ada:***@db:27017/?tls=true',
  );
  assert.equal(maskUriCredentials('mongodb://ada:p@s/s@db/'), 'mongodb://ada:***@db/');
  assert.equal(maskUriCredentials('mongodb://ada@db:27017/'), 'mongodb://ada@db:27017/');
  assert.equal(maskUriCredentials('mongodb://db:27017/'), 'mongodb://db:27017/');
  assert.equal(maskUriCredentials('ada:pw@db'), 'ada:***@db');
});
