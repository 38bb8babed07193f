import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runApi } from '../../src/app/index.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { countedInStore } from '../support/faults.ts';
import { PrivateServices } from '../support/private-services.ts';
import { makeTestPki } from '../support/tls.ts';

// ipstream against a secured Kafka, configured only through the environment, as users run it. One
// private broker serves every case: PLAINTEXT (for the probes of the test itself) and CONTROLLER,
// SASL_PLAINTEXT with PLAIN and SCRAM-SHA-512 on one listener, SSL, and SSL requiring a client
// certificate. Events go to a database of each case on the shared FerretDB.

const PORT = 19392; // and PORT + 1 (controller) to PORT + 4
const SASL_PORT = PORT + 2;
const TLS_PORT = PORT + 3;
const MTLS_PORT = PORT + 4;

const pkiDir = mkdtempSync(join(tmpdir(), 'ipstream-pki-'));
const pki = makeTestPki(pkiDir);
const plainUser = { name: 'ada', password: `plain-${randomBytes(6).toString('hex')}` };
const scramUser = { name: 'grace', password: `scram-${randomBytes(6).toString('hex')}` };

const services = new PrivateServices({
  kafka: PORT,
  kafkaExtras: {
    listeners: [
      { name: 'SASL', port: SASL_PORT, protocol: 'SASL_PLAINTEXT' },
      { name: 'TLS', port: TLS_PORT, protocol: 'SSL' },
      { name: 'MTLS', port: MTLS_PORT, protocol: 'SSL' },
    ],
    properties: {
      'listener.name.sasl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${plainUser.name}="${plainUser.password}";`,
      'listener.name.sasl.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.tls.ssl.keystore.type': 'PEM',
      'listener.name.tls.ssl.keystore.location': pki.serverKeyAndCert,
      'listener.name.mtls.ssl.keystore.type': 'PEM',
      'listener.name.mtls.ssl.keystore.location': pki.serverKeyAndCert,
      'listener.name.mtls.ssl.truststore.type': 'PEM',
      'listener.name.mtls.ssl.truststore.location': pki.caCert,
      'listener.name.mtls.ssl.client.auth': 'required',
    },
    scram: [{ mechanism: 'SCRAM-SHA-512', ...scramUser }],
  },
});

const configs: Config[] = [];

/** A topic, group and database of its own, and the environment of the CLI that uses them. */
function secured(label: string, port: number, security: Record<string, string>) {
  const config = testConfig(label);
  configs.push(config);
  return { config, env: envFor(config, { KAFKA_BROKERS: `127.0.0.1:${port}`, ...security }) };
}

before(() => services.startKafka());

after(async () => {
  killChildren();
  await services.cleanup();
  for (const config of configs) await dropDatabase(config);
  rmSync(pkiDir, { recursive: true, force: true });
});

const COUNT = 400;

const CASES: { name: string; port: number; security: Record<string, string> }[] = [
  {
    name: 'SASL_PLAINTEXT with PLAIN',
    port: SASL_PORT,
    security: {
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: plainUser.name,
      KAFKA_SASL_PASSWORD: plainUser.password,
    },
  },
  {
    name: 'SASL_PLAINTEXT with SCRAM-SHA-512 (credentials made when the storage was formatted)',
    port: SASL_PORT,
    security: {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: scramUser.name,
      KAFKA_SASL_PASSWORD: scramUser.password,
    },
  },
  {
    name: 'SSL, the broker checked against the test CA',
    port: TLS_PORT,
    security: { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: pki.caCert },
  },
  {
    name: 'mutual TLS (the broker requires a client certificate)',
    port: MTLS_PORT,
    security: {
      KAFKA_TLS_CA_FILE: pki.caCert,
      KAFKA_TLS_CERT_FILE: pki.clientCert,
      KAFKA_TLS_KEY_FILE: pki.clientKey,
    },
  },
];

describe('topic create, produce and ingest through a secured broker', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async () => {
      const { config, env } = secured(`kafka-sec-${i}`, c.port, c.security);
      const created = await runCli(['topic', 'create', '--partitions', '2'], env);
      assert.equal(created.code, 0, created.stderr);
      const produced = await runCli(['produce', '--count', String(COUNT), '--seed', '7'], env);
      assert.equal(produced.code, 0, produced.stderr);
      assert.match(produced.stdout, new RegExp(`sent ${COUNT} records`));
      const ingested = await runCli(['ingest', '--workers', '1', '--until-idle', '2'], env);
      assert.equal(ingested.code, 0, ingested.stderr);
      assert.match(ingested.stdout, new RegExp(`stored ${COUNT},`));
      assert.deepEqual(await countedInStore(config), { events: COUNT, deadLetters: 0 });
    });
  }
});

describe('credentials the broker refuses fail at once, in one line', () => {
  const wrong = `wrong-${randomBytes(6).toString('hex')}`;
  const RUNS: { command: string[]; user: typeof plainUser; mechanism: string; shown: string }[] = [
    { command: ['topic', 'describe'], user: scramUser, mechanism: 'scram-sha-512', shown: 'SCRAM-SHA-512' },
    {
      command: ['ingest', '--until-idle', '1'],
      user: scramUser,
      mechanism: 'scram-sha-512',
      shown: 'SCRAM-SHA-512',
    },
    { command: ['produce', '--count', '10'], user: plainUser, mechanism: 'plain', shown: 'PLAIN' },
  ];
  for (const run of RUNS) {
    test(`${run.command[0]} with a wrong ${run.shown} password`, async () => {
      const { env } = secured('kafka-sec-refused', SASL_PORT, {
        KAFKA_SASL_MECHANISM: run.mechanism,
        KAFKA_SASL_USERNAME: run.user.name,
        KAFKA_SASL_PASSWORD: wrong,
      });
      // Killed after 20 s: a retry loop fails the test instead of hanging it.
      const { code, stdout, stderr } = await runCli(run.command, env, 20_000);
      assert.equal(code, 1, stdout + stderr);
      assert.equal(stdout, '');
      assert.match(
        stderr,
        new RegExp(
          `^ipstream: Kafka authentication failed for user "${run.user.name}" \\(${run.shown}\\): [^\\n]+\\n$`,
        ),
      );
      assert.ok(!stderr.includes(wrong), 'the password is not printed');
    });
  }
});

describe('secrets are never printed: not in logs, errors or the pipeline route', () => {
  const secret = `s3cret-${randomBytes(6).toString('hex')}`;

  function assertNoSecret(text: string, password: string): void {
    assert.ok(!text.includes(password), `the password appears in:\n${text}`);
  }

  test('a whole ingest through SASL, logging everything (trace level)', async () => {
    const { env } = secured('kafka-sec-trace', SASL_PORT, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: scramUser.name,
      KAFKA_SASL_PASSWORD: scramUser.password,
      LOG_LEVEL: 'trace',
    });
    const { code, stdout, stderr } = await runCli(['ingest', '--workers', '1', '--until-idle', '1'], env);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /"msg":"joined group"/, 'the workers logged');
    assertNoSecret(stdout + stderr, scramUser.password);
  });

  const REFUSED: { label: string; settings: Record<string, string>; says: RegExp }[] = [
    {
      label: 'a password without a mechanism',
      settings: { KAFKA_SASL_PASSWORD: secret },
      says: /^ipstream: KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not/,
    },
    {
      label: 'a MongoDB URI of the wrong scheme',
      settings: { MONGODB_URI: `http://ada:${secret}@127.0.0.1:27017/` },
      says: /^ipstream: invalid MONGODB_URI: .* \(got "http:\/\/ada:\*\*\*@127\.0\.0\.1:27017\/"\)$/m,
    },
    {
      label: 'a MongoDB URI that does not answer',
      settings: { MONGODB_URI: `mongodb://ada:${secret}@127.0.0.1:1/?serverSelectionTimeoutMS=500` },
      says: /^ipstream: MongoDB at mongodb:\/\/ada:\*\*\*@127\.0\.0\.1:1\/\?serverSelectionTimeoutMS=500 is unreachable/,
    },
  ];
  for (const { label, settings, says } of REFUSED) {
    test(`ingest refused for ${label}: one line, without the password`, async () => {
      const { env } = secured('kafka-sec-refused', PORT, settings);
      const { code, stdout, stderr } = await runCli(['ingest', '--until-idle', '1'], env, 30_000);
      assert.equal(code, 1, stdout + stderr);
      assert.match(stderr, says);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assertNoSecret(stdout + stderr, secret);
    });
  }

  test('/api/v1/pipeline, with the right password and with a wrong one', async () => {
    const sasl = (password: string) =>
      secured('kafka-sec-api', SASL_PORT, {
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: scramUser.name,
        KAFKA_SASL_PASSWORD: password,
      });
    const right = sasl(scramUser.password);
    assert.equal((await runCli(['topic', 'create', '--partitions', '1'], right.env)).code, 0);
    for (const { env, password, expect } of [
      { ...right, password: scramUser.password, expect: 'topic' },
      { ...sasl(secret), password: secret, expect: 'refused' },
    ]) {
      const config = loadConfig({ ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' });
      const api = await runApi(config, { log: createLogger('silent', 'test') });
      try {
        const text = await (await fetch(`${api.url}/api/v1/pipeline`)).text();
        const answer = JSON.parse(text) as { topic: { name: string } | null; topicError: string | null };
        if (expect === 'topic') assert.equal(answer.topic?.name, config.kafka.topic, text);
        else
          assert.match(
            answer.topicError ?? '',
            /^Kafka authentication failed for user "grace" \(SCRAM-SHA-512\)/,
            text,
          );
        assertNoSecret(text, password);
      } finally {
        await api.stop();
      }
    }
  });
});
