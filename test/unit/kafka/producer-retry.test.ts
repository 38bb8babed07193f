import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type EventProducer,
  type OutgoingRecord,
  SEND_RETRY,
  sendRetryDelay,
} from '../../../src/kafka/producer.ts';
import { runProducer } from '../../../src/producer/index.ts';

test('send retries back off exponentially with jitter, capped, and outlast a broker restart', () => {
  assert.equal(sendRetryDelay(1, 1), SEND_RETRY.baseMs);
  assert.equal(sendRetryDelay(2, 1), SEND_RETRY.baseMs * 2);
  assert.equal(sendRetryDelay(1, 0), SEND_RETRY.baseMs / 2);
  assert.equal(sendRetryDelay(30, 1), SEND_RETRY.maxMs);
  assert.equal(sendRetryDelay(1000, 0.5), SEND_RETRY.maxMs * 0.75);
  // Even with the shortest jitter every time, the budget covers a broker restart (~10-20 s here).
  let shortest = 0;
  for (let attempt = 1; attempt <= SEND_RETRY.retries; attempt++) shortest += sendRetryDelay(attempt, 0);
  assert.ok(shortest > 60_000, `retry budget at least a minute, got ${shortest} ms`);
});

test('the producer sends one chunk at a time, so retries across a broker restart stay in order', async () => {
  let outstanding = 0;
  let most = 0;
  const sent: number[] = [];
  const producer = {
    send: async (records: OutgoingRecord[]) => {
      most = Math.max(most, ++outstanding);
      await new Promise((resolve) => setTimeout(resolve, 2));
      sent.push(...records.map((r) => Number(r.value)));
      outstanding--;
      return [];
    },
  } as unknown as EventProducer;
  const records = Array.from({ length: 50 }, (_, i) => ({ value: String(i) }));
  const summary = await runProducer(producer, records, { rate: 0, chunk: 5 });
  assert.equal(most, 1);
  assert.equal(summary.sent, 50);
  assert.deepEqual(
    sent,
    records.map((_, i) => i),
  );
});
