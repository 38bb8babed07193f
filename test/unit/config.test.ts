import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/errors/errors.ts';
import { MAX_RECORD_BYTES_LIMIT, STORE_MAX_DOCUMENT_BYTES } from '../../src/events/store-limits.ts';

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
  [{ FLUSH_ADAPTIVE: 'maybe' }, /FLUSH_ADAPTIVE must be true or false/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
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
