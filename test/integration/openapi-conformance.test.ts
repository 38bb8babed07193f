import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { buildApp } from '../../src/api/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { realDeps } from '../support/api-app.ts';
import { ingestUntilIdle, produceLines } from '../support/api-fixture.ts';
import { killChildren } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { ensureSchemathesis, runSchemathesis } from '../support/schemathesis.ts';

// schemathesis reads the app's own /openapi.json and checks the API against it with every check
// it has: requests the document calls valid must be accepted, invalid ones refused with 4xx, every
// answer's status, content type, headers and body must be the documented ones, undeclared methods
// must answer 405 with an Allow header, and nothing may answer 5xx. The app listens on an
// ephemeral port with a real database holding a little data that went through the pipeline, and
// with an API token, so the routes it protects are checked to refuse requests without it.

const CONFIG_FILE = fileURLToPath(new URL('../support/schemathesis.toml', import.meta.url));
/**
 * Test cases per operation: about 1900 requests in all, under a minute here. Each run draws a new
 * seed, so runs cover different requests; a failure prints the seed, and `--seed N` replays it.
 */
const MAX_EXAMPLES = 200;
const TOKEN = 'conformance-token';

const config = testConfig('openapi');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
const workDir = mkdtempSync(join(tmpdir(), 'ipstream-schemathesis-'));
let app: FastifyInstance;
let python: string;

before(async () => {
  python = ensureSchemathesis(config.services.stateDir, (m) => process.stderr.write(`[schemathesis] ${m}\n`));
  await admin.create(config.kafka.topic, 2);
  await produceLines(config, [
    // 10.0.0.1 is the documented example address, so the examples phase finds a device.
    JSON.stringify({ timestamp: '2024-09-18T14:00:00Z', device_ip: '10.0.0.1', error_code: 0 }),
    JSON.stringify({ timestamp: 1726668850, device_ip: '2001:db8::1', error_code: 500 }),
    JSON.stringify({ timestamp: '2024-09-18T14:30:00Z', device_ip: '10.0.0.1', error_code: 404 }),
    'not json',
  ]);
  await ingestUntilIdle(config);
  app = await buildApp({ ...realDeps(config, client.db(config.mongo.db), admin), apiToken: TOKEN });
  await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  killChildren();
  await app?.close();
  await client.close();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
  rmSync(workDir, { recursive: true, force: true });
});

test('the API does what its OpenAPI document says, by every schemathesis check', async (t) => {
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const base = `http://127.0.0.1:${address.port}`;
  const run = await runSchemathesis(
    python,
    CONFIG_FILE,
    [
      `${base}/openapi.json`,
      '--header',
      `Authorization: Bearer ${TOKEN}`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--workers',
      '1',
      '--generation-database',
      'none',
      '--no-color',
    ],
    { cwd: workDir, timeoutMs: 300_000 },
  );
  assert.equal(run.code, 0, run.output);
  // What ran, for the log: per-phase counts, warnings and the seed (a failure prints everything).
  for (const line of run.output.split('\n')) {
    if (/passed|failed|skipped|⚠️|Seed:/.test(line)) t.diagnostic(line.trim());
  }
});
