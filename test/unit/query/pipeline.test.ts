import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyStats, type WorkerStats } from '../../../src/ingest/stats.ts';
import { percentile, pipelineStatus } from '../../../src/query/index.ts';
import { getJson, withApp } from '../../support/api-app.ts';

function worker(id: number, patch: Partial<WorkerStats>): WorkerStats {
  return { ...emptyStats(id), ...patch };
}

describe('percentile', () => {
  it('is the nearest rank, null on no data', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5], 99), 5);
    assert.equal(percentile([1, 2, 3, 4, 5], 0), 1);
  });
});

describe('pipelineStatus', () => {
  it('lists workers with their counters and flush limits, and sums them', () => {
    const status = pipelineStatus(
      [
        worker(0, {
          assigned: [{ topic: 't', partitions: [0, 2] }],
          consumed: 10,
          stored: 9,
          deadLetters: 1,
          flushes: 2,
          recentWriteMs: [10, 30],
          policy: { countLimit: 1000, bytesLimit: 1 << 20, maxAgeMs: 200 },
          lastFlush: { count: 5, bytes: 500, writeMs: 30, at: Date.UTC(2024, 8, 18, 14, 14, 10, 124) },
          lastRecordAt: Date.UTC(2024, 8, 18, 14, 14, 11),
        }),
        worker(1, { consumed: 5, stored: 5, recentWriteMs: [20] }),
      ],
      {
        topic: 't',
        partitions: [{ partition: 0, end: 10, committed: 8, lag: 2 }],
        totalEnd: 10,
        totalLag: 2,
      },
    );
    assert.equal(status.ingestInProcess, true);
    assert.deepEqual(status.workers[0]?.partitions, ['t/0', 't/2']);
    assert.deepEqual(status.workers[0]?.flushLimits, { count: 1000, bytes: 1 << 20, maxAgeMs: 200 });
    assert.equal(status.workers[0]?.lastFlush?.at, '2024-09-18T14:14:10.124Z');
    assert.equal(status.workers[0]?.lastRecordAt, '2024-09-18T14:14:11.000Z');
    assert.deepEqual(status.totals, { consumed: 15, stored: 14, duplicates: 0, deadLetters: 1, buffered: 0 });
    assert.deepEqual(status.flush, { samples: 3, p50Ms: 20, p99Ms: 30, maxMs: 30 });
    assert.equal(status.topic?.totalLag, 2);
    assert.equal(status.topicError, null);
  });

  it('says when there are no workers and why the topic is unknown', () => {
    const status = pipelineStatus(null, { error: 'broker down' });
    assert.equal(status.ingestInProcess, false);
    assert.deepEqual(status.workers, []);
    assert.deepEqual(status.flush, { samples: 0, p50Ms: null, p99Ms: null, maxMs: null });
    assert.equal(status.topic, null);
    assert.equal(status.topicError, 'broker down');
  });
});

describe('GET /api/v1/pipeline', () => {
  it('answers from workerStats and topicStatus', () =>
    withApp(
      {
        workerStats: () => [worker(3, { consumed: 4, recentWriteMs: [5] })],
        topicStatus: async () => ({
          topic: 'device-events',
          partitions: [{ partition: 0, end: 4, committed: null, lag: 4 }],
          totalEnd: 4,
          totalLag: 4,
        }),
      },
      async (app) => {
        const { status, body } = await getJson(app, '/api/v1/pipeline');
        assert.equal(status, 200);
        assert.equal((body.workers as { workerId: number }[])[0]?.workerId, 3);
        assert.deepEqual(body.topic, {
          name: 'device-events',
          totalEnd: 4,
          totalLag: 4,
          partitions: [{ partition: 0, end: 4, committed: null, lag: 4 }],
        });
        assert.equal((body.flush as { p99Ms: number }).p99Ms, 5);
      },
    ));

  it('answers 200 with topicError when Kafka fails', () =>
    withApp({ topicStatus: async () => Promise.reject(new Error('connect ECONNREFUSED')) }, async (app) => {
      const { status, body } = await getJson(app, '/api/v1/pipeline');
      assert.equal(status, 200);
      assert.equal(body.topic, null);
      assert.match(String(body.topicError), /ECONNREFUSED/);
      assert.equal(body.ingestInProcess, false);
    }));
});
