import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Db, MongoClient } from 'mongodb';
import { buildApp } from '../../src/api/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { getJson, realDeps } from '../support/api-app.ts';
import {
  type StoredEvent,
  bruteForce,
  ingestUntilIdle,
  produceLines,
  produceSynthetic,
  storedEvents,
} from '../support/api-fixture.ts';
import { COLLECTIONS } from '../../src/store/index.ts';
import { killChildren } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// Every analytics route against data that went through the real pipeline (produce -> Kafka ->
// ingest -> FerretDB), checked against answers computed by brute force from the stored events.

const config = testConfig('api');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
let db: Db;
let app: FastifyInstance;
let events: StoredEvent[];
/** Each device's id in the registry: the order in which it was first stored. */
const registered = new Map<string, number>();

const T = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Hand-made events at known times, in several timestamp forms; the address is the point. */
const KNOWN: { timestamp: string | number; device_ip: string; error_code: number }[] = [
  { timestamp: '2024-09-18T10:00:00.000Z', device_ip: '192.168.1.1', error_code: 0 },
  { timestamp: 1726653600, device_ip: '192.168.1.4', error_code: 0 }, // 10:00:00Z, epoch seconds
  { timestamp: '2024-09-18T10:59:59.999Z', device_ip: '192.168.1.2', error_code: 200 },
  { timestamp: '2024-09-18T11:00:00.000Z', device_ip: '192.168.1.3', error_code: 200 },
  { timestamp: '2024-09-18T12:30:00+02:00', device_ip: '2001:DB8:0:0:0:0:0:1', error_code: 500 },
  { timestamp: 'Wed, 18 Sep 2024 12:31:00 +0200', device_ip: '2001:db8::1', error_code: 500 },
  { timestamp: 1726656720000, device_ip: '2001:0db8:0000::0001', error_code: 404 }, // 10:52:00Z
  { timestamp: '2024-09-18T11:15:00Z', device_ip: 'FE80::1', error_code: 500 },
  { timestamp: '2024-09-18T11:45:00Z', device_ip: '10.1.1.1', error_code: 500 },
  { timestamp: '2024-09-18T12:05:00Z', device_ip: '10.1.1.1', error_code: 404 },
];

/** Records that must become dead letters, with their reasons. */
const MALFORMED: { value: string; reason: RegExp }[] = [
  { value: 'not json', reason: /^NOT_JSON$/ },
  { value: '{"timestamp":"2023-02-29T00:00:00Z","device_ip":"10.0.0.1","error_code":1}', reason: /^TS_/ },
  { value: '{"timestamp":1726668850,"device_ip":"010.0.0.1","error_code":1}', reason: /^INVALID_IP$/ },
  { value: '{"device_ip":"10.0.0.1","error_code":1}', reason: /^MISSING_FIELD$/ },
];

before(async () => {
  await admin.create(config.kafka.topic, 3);
  await produceLines(config, [...KNOWN.map((e) => JSON.stringify(e)), ...MALFORMED.map((m) => m.value)]);
  await produceSynthetic(config, 3000, 200, 41);
  await ingestUntilIdle(config);
  db = client.db(config.mongo.db);
  events = await storedEvents(db);
  for (const d of await db.collection<{ _id: string; n: number }>(COLLECTIONS.devices).find().toArray())
    registered.set(d._id, d.n);
  assert.equal(events.length, KNOWN.length + 3000, 'every valid event stored');
  app = await buildApp(realDeps(config, db, admin));
});

after(async () => {
  killChildren();
  await app?.close();
  await client.close();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

async function get(url: string): Promise<Record<string, unknown>> {
  const answer = await getJson(app, url);
  assert.equal(answer.status, 200, `${url}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

describe('unique IPs', () => {
  it('all time: every canonical address once, every event', async () => {
    const all = bruteForce(events);
    assert.deepEqual(await get('/api/v1/ips/unique'), {
      uniqueIps: all.uniqueIps,
      events: all.events,
      from: null,
      to: null,
      mode: 'exact',
    });
    assert.deepEqual(await get('/count/addresses'), {
      total_addresses: all.events,
      unique_addresses: all.uniqueIps,
    });
    // Over all time the exact count is the cheaper one, and it says so.
    assert.equal((await get('/api/v1/ips/unique?mode=approx')).mode, 'exact');
  });

  it('exact: from inclusive, to exclusive, at the millisecond, in any timestamp form', async () => {
    const hour = await get('/api/v1/ips/unique?from=2024-09-18T10:00:00Z&to=2024-09-18T11:00:00Z');
    // 10:00:00.000 twice, 10:59:59.999, and the three spellings of 2001:db8::1; not 11:00:00.000.
    assert.equal(hour.events, 6);
    assert.equal(hour.uniqueIps, 4);
    assert.equal(hour.from, '2024-09-18T10:00:00.000Z');
    assert.equal(hour.to, '2024-09-18T11:00:00.000Z');
    const sameInEpochs = await get('/api/v1/ips/unique?from=1726653600&to=1726657200000&mode=exact');
    assert.deepEqual(sameInEpochs, hour);
    const shifted = await get(
      `/api/v1/ips/unique?from=${encodeURIComponent('2024-09-18T12:00:00.001+02:00')}&to=2024-09-18T11:00:00.001Z`,
    );
    // 10:00:00.000 is now outside, 11:00:00.000 inside.
    assert.equal(shifted.events, 5);
    assert.equal(shifted.uniqueIps, 3);
  });

  it('exact matches a brute-force count over arbitrary ranges', async () => {
    for (const [from, to] of [
      ['2024-09-18T14:00:00Z', '2024-09-18T15:00:00Z'],
      ['2024-09-18T14:07:13.500Z', '2024-09-18T14:41:02.250Z'],
      ['2024-09-18T09:00:00Z', '2024-09-18T14:00:00.001Z'],
      ['2024-09-18T14:59:59Z', '2024-09-19T00:00:00Z'],
    ]) {
      const want = bruteForce(events, T(from!), T(to!));
      const got = await get(`/api/v1/ips/unique?from=${from}&to=${to}`);
      assert.equal(got.uniqueIps, want.uniqueIps, `${from}..${to}`);
      assert.equal(got.events, want.events, `${from}..${to}`);
    }
  });

  it('approx is within 3 standard errors of the exact count, with exact events', async () => {
    for (const [from, to] of [
      ['2024-09-18T14:00:00Z', '2024-09-18T15:00:00Z'],
      ['2024-09-18T09:30:00Z', '2024-09-18T14:30:30Z'],
      ['2024-09-18T14:07:13.500Z', '2024-09-18T14:41:02.250Z'],
      ['2024-09-18T10:00:00Z', '2024-09-18T11:00:00Z'],
      ['2024-01-01T00:00:00Z', '2024-12-31T00:00:00Z'],
    ]) {
      const got = await get(`/api/v1/ips/unique?from=${from}&to=${to}&mode=approx`);
      assert.equal(got.mode, 'approx');
      const relativeError = got.relativeError as number;
      assert.ok(relativeError > 0 && relativeError < 0.02, `relativeError ${relativeError}`);
      const want = bruteForce(events, T(from!), T(to!));
      assert.equal(got.events, want.events, `events are exact: ${from}..${to}`);
      const error = Math.abs((got.uniqueIps as number) - want.uniqueIps);
      assert.ok(
        error <= Math.max(1, 3 * relativeError * want.uniqueIps),
        `${from}..${to}: approx ${String(got.uniqueIps)}, exact ${want.uniqueIps}`,
      );
    }
  });

  it('exact answers ranges of any width, open ends included', async () => {
    const all = bruteForce(events);
    for (const url of [
      '/api/v1/ips/unique?from=2000-01-01&to=2100-12-31',
      '/api/v1/ips/unique?from=2024-01-01',
      '/api/v1/ips/unique?to=2100-01-01',
    ]) {
      const answer = await get(url);
      assert.equal(answer.uniqueIps, all.uniqueIps, url);
      assert.equal(answer.events, all.events, url);
    }
    assert.equal(
      (await get('/api/v1/ips/unique?from=2000-01-01&to=2100-12-31&mode=approx')).events,
      events.length,
    );
  });
});

describe('top IPs', () => {
  const expectedTop = (from: number, to: number, limit: number) =>
    [...bruteForce(events, from, to).perIp]
      .sort((a, b) => b[1] - a[1] || registered.get(a[0])! - registered.get(b[0])!)
      .slice(0, limit)
      .map(([ip, n]) => ({ ip, events: n }));

  it('all time, most events first, ties in the order the devices were first stored', async () => {
    assert.deepEqual((await get('/api/v1/ips/top')).items, expectedTop(-Infinity, Infinity, 10));
    assert.deepEqual((await get('/api/v1/ips/top?limit=25')).items, expectedTop(-Infinity, Infinity, 25));
  });

  it('within a range', async () => {
    const from = '2024-09-18T14:10:00Z';
    const to = '2024-09-18T14:20:00Z';
    assert.deepEqual(
      (await get(`/api/v1/ips/top?limit=7&from=${from}&to=${to}`)).items,
      expectedTop(T(from), T(to), 7),
    );
    const hand = (await get('/api/v1/ips/top?from=2024-09-18T11:00:00Z&to=2024-09-18T12:10:00Z')).items;
    assert.deepEqual(hand, [
      { ip: '10.1.1.1', events: 2 },
      ...['192.168.1.3', 'fe80::1']
        .sort((a, b) => registered.get(a)! - registered.get(b)!)
        .map((ip) => ({ ip, events: 1 })),
    ]);
  });
});

describe('one IP', () => {
  it('finds a device by any spelling of its address', async () => {
    const want = {
      ip: '2001:db8::1',
      firstSeen: '2024-09-18T10:30:00.000Z',
      lastSeen: '2024-09-18T10:52:00.000Z',
      events: 3,
      errorCodes: { '500': 2, '404': 1 },
    };
    assert.deepEqual(await get('/api/v1/ips/2001:DB8::1'), want);
    assert.deepEqual(await get(`/api/v1/ips/${encodeURIComponent('2001:0db8:0:0::1')}`), want);
    assert.deepEqual(await get('/api/v1/ips/fe80::1'), {
      ip: 'fe80::1',
      firstSeen: '2024-09-18T11:15:00.000Z',
      lastSeen: '2024-09-18T11:15:00.000Z',
      events: 1,
      errorCodes: { '500': 1 },
    });
  });

  it('404 for an address never seen, 400 for text that is no address', async () => {
    const unknown = await getJson(app, '/api/v1/ips/203.0.113.77');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'IP_NOT_FOUND');
    for (const text of ['{"$ne":1}', '{"$gt":""}', '$where', '010.1.1.1']) {
      const answer = await getJson(app, `/api/v1/ips/${encodeURIComponent(text)}`);
      assert.equal(answer.status, 400, text);
      assert.equal(answer.body.error, 'IP_INVALID');
    }
  });
});

describe('time series', () => {
  it('per minute: every bucket, events and unique IPs exact', async () => {
    const series = await get(
      '/api/v1/stats/timeseries?bucket=minute&from=2024-09-18T14:00:00Z&to=2024-09-18T15:00:00Z',
    );
    const buckets = series.buckets as { start: string; events: number; uniqueIps: number }[];
    assert.equal(buckets.length, 60);
    for (const b of buckets) {
      const want = bruteForce(events, T(b.start), T(b.start) + 60_000);
      assert.equal(b.events, want.events, `events at ${b.start}`);
      assert.equal(b.uniqueIps, want.uniqueIps, `unique IPs at ${b.start}`);
    }
    assert.equal(
      buckets.reduce((n, b) => n + b.events, 0),
      bruteForce(events, T('2024-09-18T14:00:00Z'), T('2024-09-18T15:00:00Z')).events,
    );
  });

  it('per hour, with empty hours as zeros', async () => {
    const series = await get(
      '/api/v1/stats/timeseries?bucket=hour&from=2024-09-18T09:00:00Z&to=2024-09-18T16:00:00Z',
    );
    const buckets = series.buckets as { start: string; events: number; uniqueIps: number }[];
    assert.deepEqual(
      buckets.map((b) => b.start),
      Array.from({ length: 7 }, (_, i) => iso(T('2024-09-18T09:00:00Z') + i * 3_600_000)),
    );
    for (const b of buckets) {
      const want = bruteForce(events, T(b.start), T(b.start) + 3_600_000);
      assert.equal(b.events, want.events, b.start);
      assert.equal(b.uniqueIps, want.uniqueIps, `unique IPs at ${b.start}`);
    }
    assert.deepEqual(buckets[0], { start: '2024-09-18T09:00:00.000Z', events: 0, uniqueIps: 0 });
    assert.equal(buckets[1]?.events, 6);
    assert.equal(buckets[1]?.uniqueIps, 4);
  });

  it('defaults to the latest 60 minutes with data', async () => {
    const series = await get('/api/v1/stats/timeseries');
    assert.equal(series.bucket, 'minute');
    assert.equal(series.from, '2024-09-18T14:00:00.000Z');
    assert.equal(series.to, '2024-09-18T15:00:00.000Z');
  });
});

describe('dead letters', () => {
  it('counts all and lists the latest with their reasons and coordinates', async () => {
    const all = await get('/api/v1/dead-letters');
    assert.equal(all.total, MALFORMED.length);
    const items = all.items as {
      reason: string;
      topic: string;
      partition: number;
      offset: number;
      value: string;
    }[];
    assert.equal(items.length, MALFORMED.length);
    for (const m of MALFORMED) {
      const item = items.find((i) => i.value === m.value);
      assert.ok(item, `dead letter for ${m.value}`);
      assert.match(item.reason, m.reason);
      assert.equal(item.topic, config.kafka.topic);
      assert.ok(Number.isInteger(item.partition) && Number.isInteger(item.offset));
    }
    const two = await get('/api/v1/dead-letters?limit=2');
    assert.equal(two.total, MALFORMED.length);
    assert.equal((two.items as unknown[]).length, 2);
  });
});

describe('pipeline, readiness, metrics', () => {
  it('shows the partitions with nothing left to ingest', async () => {
    const pipeline = await get('/api/v1/pipeline');
    assert.equal(pipeline.ingestInProcess, false);
    const topic = pipeline.topic as {
      name: string;
      totalLag: number;
      totalEnd: number;
      partitions: unknown[];
    };
    assert.equal(topic.name, config.kafka.topic);
    assert.equal(topic.partitions.length, 3);
    assert.equal(topic.totalLag, 0);
    assert.equal(topic.totalEnd, KNOWN.length + MALFORMED.length + 3000);
  });

  it('is ready with Kafka and MongoDB reachable, and exports partition lag', async () => {
    assert.deepEqual(await get('/readyz'), { status: 'ready', checks: { kafka: true, mongo: true } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(
      metrics.body,
      new RegExp(`^ipstream_kafka_partition_lag\\{topic="${config.kafka.topic}",partition="2"\\} 0$`, 'm'),
    );
  });

  it('never lets a parameter become an operator, with a real store behind', async () => {
    for (const url of [
      '/api/v1/ips/unique?from[$gt]=1',
      '/api/v1/ips/top?limit[$gt]=0',
      '/api/v1/ips/top?from[$ne]=x&to=2024-09-19',
      '/api/v1/stats/timeseries?from[$exists]=true',
      '/api/v1/dead-letters?limit[$gt]=0',
    ]) {
      const answer = await getJson(app, url);
      assert.equal(answer.status, 400, url);
    }
  });
});
