import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyStats, type WorkerStats } from '../../../src/ingest/stats.ts';
import { createReadiness } from '../../../src/api/readiness.ts';
import type { TopicDescription } from '../../../src/kafka/index.ts';
import { getJson, withApp } from '../../support/api-app.ts';

const up = async () => true;
const down = async () => false;

function worker(id: number, patch: Partial<WorkerStats>): WorkerStats {
  return { ...emptyStats(id), ...patch };
}

const TOPIC: TopicDescription = {
  topic: 'device-events',
  partitions: [
    { partition: 0, end: 120, committed: 100, lag: 20 },
    { partition: 1, end: 50, committed: null, lag: 50 },
  ],
  totalEnd: 170,
  totalLag: 70,
};

function metricValue(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('/healthz and /readyz', () => {
  it('/healthz answers 200 with no dependency at all', () =>
    withApp({}, async (app) => {
      const answer = await getJson(app, '/healthz');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { status: 'ok' });
    }));

  it('/readyz is 200 only when both probes answer true', () =>
    withApp({ probes: { kafka: up, mongo: up } }, async (app) => {
      const answer = await getJson(app, '/readyz');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { status: 'ready', checks: { kafka: true, mongo: true } });
    }));

  it('/readyz is 503 naming what failed; a throwing probe counts as down', async () => {
    const cases = [
      { probes: { kafka: down, mongo: up }, message: /^kafka unreachable$/ },
      { probes: { kafka: up, mongo: async () => Promise.reject(new Error('boom')) }, message: /^mongo / },
      { probes: { kafka: down, mongo: down }, message: /kafka and mongo/ },
    ];
    for (const c of cases) {
      await withApp({ probes: c.probes }, async (app) => {
        const answer = await getJson(app, '/readyz');
        assert.equal(answer.status, 503);
        assert.equal(answer.body.error, 'NOT_READY');
        assert.match(String(answer.body.message), c.message);
      });
    }
    await withApp({}, async (app) => {
      const answer = await getJson(app, '/readyz');
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.body.checks, { kafka: false, mongo: false });
    });
  });
});

describe('/readyz with a workers probe (standalone ingest)', () => {
  it('is 200 only when the workers have joined too, and says so when they have not', async () => {
    await withApp({ probes: { kafka: up, mongo: up, workers: up } }, async (app) => {
      const answer = await getJson(app, '/readyz');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.checks, { kafka: true, mongo: true, workers: true });
    });
    await withApp({ probes: { kafka: up, mongo: up, workers: down } }, async (app) => {
      const answer = await getJson(app, '/readyz');
      assert.equal(answer.status, 503);
      assert.equal(answer.body.message, 'ingest workers not all in the consumer group');
      assert.deepEqual(answer.body.checks, { kafka: true, mongo: true, workers: false });
    });
    await withApp({ probes: { kafka: down, mongo: up, workers: down } }, async (app) => {
      const answer = await getJson(app, '/readyz');
      assert.equal(answer.body.message, 'kafka unreachable; ingest workers not all in the consumer group');
    });
  });
});

describe('/readyz cache', () => {
  /** A probe that counts its calls and answers only when released. */
  function gatedProbe() {
    let calls = 0;
    let release: (up: boolean) => void = () => undefined;
    return {
      probe: () => {
        calls += 1;
        return new Promise<boolean>((resolve) => (release = resolve));
      },
      calls: () => calls,
      release: (up: boolean) => release(up),
    };
  }

  it('shares one probe among concurrent and repeated requests within the cache window', async () => {
    let kafkaCalls = 0;
    let mongoCalls = 0;
    const probes = {
      kafka: async () => (kafkaCalls += 1) > 0,
      mongo: async () => (mongoCalls += 1) > 0,
    };
    // A window far longer than the test, so a slow machine cannot make it expire mid-test.
    await withApp({ probes, readinessCacheMs: 600_000 }, async (app) => {
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => getJson(app, '/readyz')));
      for (let i = 0; i < 5; i++) concurrent.push(await getJson(app, '/readyz'));
      for (const answer of concurrent) {
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { status: 'ready', checks: { kafka: true, mongo: true } });
      }
      assert.equal(kafkaCalls, 1);
      assert.equal(mongoCalls, 1);
    });
  });

  it('joins a probe in flight, keeps its answer for the window, probes again after it', async () => {
    let now = 1_000;
    const kafka = gatedProbe();
    const mongo = gatedProbe();
    const readiness = createReadiness({ kafka: kafka.probe, mongo: mongo.probe }, 3_000, () => now);
    const waiting = [readiness(), readiness(), readiness()];
    assert.equal(kafka.calls(), 1);
    assert.equal(mongo.calls(), 1);
    kafka.release(true);
    mongo.release(false);
    for (const checks of await Promise.all(waiting)) assert.deepEqual(checks, { kafka: true, mongo: false });

    now += 2_999;
    assert.deepEqual(await readiness(), { kafka: true, mongo: false });
    assert.equal(kafka.calls(), 1, 'still inside the window');

    now += 1;
    const again = readiness();
    assert.equal(kafka.calls(), 2, 'the window is over');
    kafka.release(true);
    mongo.release(true);
    assert.deepEqual(await again, { kafka: true, mongo: true });
  });

  it('counts a probe that throws as down, and caches that too', async () => {
    let calls = 0;
    const failing = async (): Promise<boolean> => {
      calls += 1;
      throw new Error('boom');
    };
    const readiness = createReadiness({ kafka: failing, mongo: async () => true }, 3_000, () => 0);
    assert.deepEqual(await readiness(), { kafka: false, mongo: true });
    assert.deepEqual(await readiness(), { kafka: false, mongo: true });
    assert.equal(calls, 1);
  });
});

describe('/metrics', () => {
  it('exposes process metrics even with nothing else configured', () =>
    withApp({}, async (app) => {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/plain/);
      assert.match(response.body, /^process_cpu_user_seconds_total \d/m);
      assert.match(response.body, /^nodejs_heap_size_used_bytes \d/m);
      assert.equal(metricValue(response.body, 'ipstream_kafka_topic_status_up'), 0);
    }));

  it('reads worker counters, flush limits and partition lag at scrape time', async () => {
    const stats = [
      worker(0, {
        consumed: 10,
        stored: 8,
        deadLetters: 2,
        flushes: 2,
        recentWriteMs: [4, 40],
        buffered: 3,
        policy: { countLimit: 500, bytesLimit: 65536, maxAgeMs: 250 },
      }),
      worker(1, { consumed: 5, stored: 5, flushes: 1, recentWriteMs: [300] }),
    ];
    await withApp({ workerStats: () => stats, topicStatus: async () => TOPIC }, async (app) => {
      const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
      let text = await scrape();
      assert.equal(metricValue(text, 'ipstream_ingest_consumed_total{worker="0"}'), 10);
      assert.equal(metricValue(text, 'ipstream_ingest_consumed_total{worker="1"}'), 5);
      assert.equal(metricValue(text, 'ipstream_ingest_dead_letters_total{worker="0"}'), 2);
      assert.equal(metricValue(text, 'ipstream_ingest_buffered_records{worker="0"}'), 3);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_limit_records{worker="0"}'), 500);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_limit_bytes{worker="0"}'), 65536);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_max_age_seconds{worker="0"}'), 0.25);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_write_seconds_count'), 3);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_write_seconds_bucket{le="0.005"}'), 1);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_write_seconds_bucket{le="0.05"}'), 2);
      assert.equal(metricValue(text, 'ipstream_kafka_topic_status_up'), 1);
      assert.equal(
        metricValue(text, 'ipstream_kafka_partition_lag{topic="device-events",partition="0"}'),
        20,
      );
      assert.equal(
        metricValue(text, 'ipstream_kafka_partition_lag{topic="device-events",partition="1"}'),
        50,
      );
      assert.equal(
        metricValue(text, 'ipstream_kafka_partition_committed_offset{topic="device-events",partition="1"}'),
        undefined,
        'no committed offset, no sample',
      );

      // Counters follow the workers; the histogram observes only flushes new since the last scrape.
      stats[0] = { ...stats[0]!, consumed: 15, flushes: 3, recentWriteMs: [4, 40, 2000] };
      text = await scrape();
      assert.equal(metricValue(text, 'ipstream_ingest_consumed_total{worker="0"}'), 15);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_write_seconds_count'), 4);
      assert.equal(metricValue(text, 'ipstream_ingest_flush_write_seconds_bucket{le="1"}'), 3);
    });
  });

  it('counts dead letters by reason, store errors by outcome and error, batch sizes and members', async () => {
    const stats = [
      worker(0, {
        memberId: 'm-0',
        flushes: 4,
        flushedRecords: 1200,
        flushedBytes: 96_000,
        deadLetterReasons: { NOT_JSON: 3, TS_IMPOSSIBLE_DATE: 1 },
        storeErrors: { 'retried:MongoNetworkError': 5, 'failed:STORE_REJECTED': 1 },
        storeStepMs: { lease: 1500, rollups: 250 },
      }),
      worker(1, { deadLetterReasons: { NOT_JSON: 2 } }),
    ];
    await withApp({ workerStats: () => stats, ingestGroup: 'ingest-g' }, async (app) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (line: string) => metricValue(text, line);
      assert.equal(value('ipstream_ingest_flushed_records_total{worker="0"}'), 1200);
      assert.equal(value('ipstream_ingest_flushed_bytes_total{worker="0"}'), 96_000);
      assert.equal(value('ipstream_ingest_dead_letters_by_reason_total{worker="0",reason="NOT_JSON"}'), 3);
      assert.equal(value('ipstream_ingest_dead_letters_by_reason_total{worker="1",reason="NOT_JSON"}'), 2);
      assert.equal(
        value('ipstream_ingest_dead_letters_by_reason_total{worker="0",reason="TS_IMPOSSIBLE_DATE"}'),
        1,
      );
      assert.equal(
        value('ipstream_ingest_store_errors_total{worker="0",outcome="retried",error="MongoNetworkError"}'),
        5,
      );
      assert.equal(
        value('ipstream_ingest_store_errors_total{worker="0",outcome="failed",error="STORE_REJECTED"}'),
        1,
      );
      assert.equal(value('ipstream_ingest_store_step_seconds_total{worker="0",step="lease"}'), 1.5);
      assert.equal(value('ipstream_ingest_store_step_seconds_total{worker="0",step="rollups"}'), 0.25);
      // Worker 1 has not joined (no member id yet).
      assert.equal(value('ipstream_ingest_group_members{group="ingest-g"}'), 1);
    });
    await withApp({}, async (app) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.doesNotMatch(text, /^ipstream_ingest_group_members/m, 'no workers, no members gauge');
    });
  });

  it('times requests by route pattern and status, never by the raw path', () =>
    withApp({}, async (app) => {
      for (const url of [
        '/healthz',
        '/healthz',
        '/api/v1/timestamps/parse?value=1',
        '/nowhere/1',
        '/nowhere/2',
      ]) {
        await app.inject({ method: 'GET', url });
      }
      await app.inject({ method: 'DELETE', url: '/healthz' });
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const count = (labels: string) =>
        metricValue(text, `ipstream_http_request_duration_seconds_count{${labels}}`);
      assert.equal(count('method="GET",route="/healthz",code="200"'), 2);
      assert.equal(count('method="GET",route="/api/v1/timestamps/parse",code="200"'), 1);
      assert.equal(count('method="GET",route="unmatched",code="404"'), 2);
      assert.equal(count('method="DELETE",route="unmatched",code="405"'), 1);
      assert.doesNotMatch(text, /nowhere/);
      assert.match(text, /^# TYPE ipstream_http_request_duration_seconds histogram$/m);
    }));

  it('reports the topic as down when Kafka fails, without failing the scrape', () =>
    withApp({ topicStatus: async () => Promise.reject(new Error('broker down')) }, async (app) => {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.equal(metricValue(response.body, 'ipstream_kafka_topic_status_up'), 0);
      assert.doesNotMatch(response.body, /^ipstream_kafka_partition_lag\{/m);
    }));

  it('gives every app its own registry', async () => {
    await withApp({ workerStats: () => [worker(7, { consumed: 1 })] }, async (first) =>
      withApp({}, async (second) => {
        const a = (await first.inject({ method: 'GET', url: '/metrics' })).body;
        const b = (await second.inject({ method: 'GET', url: '/metrics' })).body;
        assert.equal(metricValue(a, 'ipstream_ingest_consumed_total{worker="7"}'), 1);
        assert.equal(metricValue(b, 'ipstream_ingest_consumed_total{worker="7"}'), undefined);
      }),
    );
  });
});
