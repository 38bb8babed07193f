import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { type Db, MongoClient } from 'mongodb';
import { buildApp } from '../../src/api/index.ts';
import { recordId } from '../../src/events/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { detectStoreProfile, ensureSchema, EventStore } from '../../src/store/index.ts';
import { realDeps } from '../support/api-app.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// Every operation of the app's own OpenAPI document, called with values generated from its
// parameter schemas mixed with hostile ones (operator objects, bracket keys, huge and malformed
// text, wrong types, bodies of any JSON shape), against a real store and broker. The contract under
// test: never a 5xx, and every 4xx carries {error, message}.

interface Parameter {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  schema: { type?: string; enum?: string[]; minimum?: number; maximum?: number };
}

interface Operation {
  method: 'get' | 'post';
  path: string;
  parameters: Parameter[];
  hasBody: boolean;
}

interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  payload?: string;
}

const config = testConfig('fuzz');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
let db: Db;
let app: FastifyInstance;

before(async () => {
  await admin.create(config.kafka.topic, 2);
  db = client.db(config.mongo.db);
  await ensureSchema(db);
  const store = new EventStore(db, { profile: await detectStoreProfile(db) });
  const base = Date.UTC(2024, 8, 18, 14);
  const ips = ['10.0.0.1', '10.0.0.2', '2001:db8::1', 'fe80::1'];
  await store.write({
    events: Array.from({ length: 40 }, (_, i) => ({
      id: recordId(config.kafka.topic, i % 2, i >> 1),
      topic: config.kafka.topic,
      partition: i % 2,
      offset: i >> 1,
      ts: base + i * 97_000,
      ip: ips[i % ips.length]!,
      errorCode: 200 + (i % 3) * 100,
      bytes: 80,
    })),
    deadLetters: [
      {
        id: recordId(config.kafka.topic, 0, 999),
        topic: config.kafka.topic,
        partition: 0,
        offset: 999,
        key: null,
        reason: 'NOT_JSON',
        message: 'not JSON',
        value: 'garbage',
        valueBytes: 7,
        bytes: 7,
      },
    ],
  });
  app = await buildApp(realDeps(config, db, admin));
});

after(async () => {
  await app?.close();
  await client.close();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

const HOSTILE: string[] = [
  '{"$ne":1}',
  '{"$gt":""}',
  '$where',
  '$ne',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '-1',
  '0',
  '1e308',
  '-0',
  'NaN',
  'Infinity',
  '9'.repeat(400),
  'x'.repeat(5000),
  '../../etc/passwd',
  '\u0000',
  '\uD800',
  '😀'.repeat(30),
  '2024-09-18T14:00:00Z',
  '2024-02-30T00:00:00Z',
  '1726668850124',
  '10.0.0.1',
  '2001:DB8::1',
  '::ffff:10.0.0.1',
  ' 10.0.0.1 ',
];

function encode(text: string): string {
  // A lone surrogate cannot be percent-encoded as UTF-8; send the replacement character instead.
  return encodeURIComponent(text.toWellFormed());
}

function valueFor(parameter: Parameter): fc.Arbitrary<string> {
  const { schema } = parameter;
  const typed: fc.Arbitrary<string>[] = [];
  if (schema.enum !== undefined) typed.push(fc.constantFrom(...schema.enum));
  if (schema.type === 'integer' || schema.type === 'number') {
    const min = schema.minimum ?? -1e6;
    const max = schema.maximum ?? 1e6;
    typed.push(fc.integer({ min, max }).map(String), fc.integer().map(String), fc.double().map(String));
  }
  const any: fc.Arbitrary<string>[] = [
    ...typed,
    fc.constantFrom(...HOSTILE),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
  ];
  return fc.oneof(...any);
}

function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const path = operation.parameters.filter((p) => p.in === 'path');
  const query = operation.parameters.filter((p) => p.in === 'query');
  const queryPart = fc.array(
    fc.oneof(
      // A declared parameter, a bracketed operator key for it (qs-style injection), or an unknown key.
      fc.tuple(fc.constantFrom(...query.map((p) => p.name), 'x'), fc.constant('')),
      fc.tuple(
        fc.constantFrom(...query.map((p) => p.name), 'x'),
        fc.constantFrom('[$gt]', '[$ne]', '[]', '[0]', '.$where'),
      ),
    ),
    { maxLength: query.length + 2 },
  );
  const queryValues = fc.array(fc.oneof(...query.map(valueFor), fc.constantFrom(...HOSTILE)), {
    minLength: query.length + 2,
    maxLength: query.length + 2,
  });
  const pathValues = fc.tuple(...path.map(valueFor));
  const body = operation.hasBody
    ? fc.oneof(
        fc
          .record({ values: fc.array(fc.oneof(fc.string(), fc.double(), fc.constantFrom(...HOSTILE))) })
          .map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.constantFrom('', '{', '{"values":', 'null', '[]', `{"values":[${'1,'.repeat(10_000)}1]}`),
      )
    : fc.constant(undefined);
  return fc.tuple(queryPart, queryValues, pathValues, body).map(([keys, values, pathArgs, payload]) => {
    let url = operation.path;
    path.forEach((p, i) => (url = url.replace(`{${p.name}}`, encode(pathArgs[i] ?? ''))));
    const pairs = keys.map(([name, suffix], i) => `${name}${encode(suffix)}=${encode(values[i] ?? '')}`);
    if (pairs.length > 0) url += `?${pairs.join('&')}`;
    const request: FuzzRequest = { method: operation.method === 'get' ? 'GET' : 'POST', url };
    if (payload !== undefined) request.payload = payload;
    return request;
  });
}

async function operations(): Promise<Operation[]> {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown }>>;
  }>();
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method as 'get' | 'post',
      path,
      parameters: op.parameters ?? [],
      hasBody: op.requestBody !== undefined,
    })),
  );
}

test('no request generated from the OpenAPI document gets a 5xx; every 4xx says why', async (t) => {
  const ops = await operations();
  assert.ok(ops.length >= 12, `expected every contract route in the document, got ${ops.length}`);
  const statuses = new Map<string, Map<number, number>>();
  for (const operation of ops) {
    const seen = new Map<number, number>();
    statuses.set(`${operation.method} ${operation.path}`, seen);
    await fc.assert(
      fc.asyncProperty(requestFor(operation), async (request) => {
        const response = await app.inject({
          ...request,
          ...(request.payload === undefined ? {} : { headers: { 'content-type': 'application/json' } }),
        });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        assert.ok(
          response.statusCode < 500,
          `${request.method} ${request.url}: ${response.body.slice(0, 300)}`,
        );
        if (response.statusCode >= 400) {
          const body = response.json<{ error?: unknown; message?: unknown }>();
          assert.equal(typeof body.error, 'string', `${request.url}: ${response.body.slice(0, 200)}`);
          assert.equal(typeof body.message, 'string', `${request.url}: ${response.body.slice(0, 200)}`);
        }
      }),
      { numRuns: 150 },
    );
  }
  t.diagnostic(JSON.stringify([...statuses].map(([k, v]) => [k, [...v]])));
  // The generator must reach the routes' real work, not only their validation.
  for (const route of ['get /api/v1/ips/unique', 'get /api/v1/ips/top', 'get /api/v1/stats/timeseries']) {
    const ok = statuses.get(route)?.get(200) ?? 0;
    assert.ok(ok > 0, `${route} never answered 200: ${JSON.stringify([...(statuses.get(route) ?? [])])}`);
  }
});
