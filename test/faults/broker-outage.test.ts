import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor, killChildren, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertExactTotals, report, storedCounts, totalLag, waitForCatchUp } from '../support/faults.ts';
import { PrivateServices } from '../support/private-services.ts';

// The broker goes away mid-stream and comes back: the producer and the ingest process must ride
// it out by themselves (no restart by hand), and the totals must be exact. The broker is a private
// one on its own port: the shared one is in use by others and must never be stopped.
const services = new PrivateServices();
const base = testConfig('fault-broker');
const config = { ...base, kafka: { ...base.kafka, brokers: services.kafkaBrokers } };
const env = envFor(config, { LOG_LEVEL: 'info' });

const COUNT = 30_000;
const RATE = 2_000;
/** Deliberate: long enough for every client's own retries to run out at least once. */
const OUTAGE_MS = 10_000;

let admin: TopicAdmin;

before(async () => {
  await services.startKafka();
  admin = new TopicAdmin(config.kafka);
  await admin.create(config.kafka.topic, 4);
});

after(async () => {
  killChildren();
  await admin?.close().catch(() => undefined);
  await services.cleanup();
  await dropDatabase(config);
});

test('Kafka stopped and restarted mid-stream: producer and ingest recover by themselves', async () => {
  // --until-idle must not mistake the outage for idleness, nor die of it: it exits 0 only once
  // everything is stored and committed (and idle longer than the producer's longest retry step).
  const ingest = startCli(['ingest', '--workers', '2', '--until-idle', '8'], env);
  const producer = startCli(
    ['produce', '--count', String(COUNT), '--rate', String(RATE), '--devices', '300', '--seed', '41'],
    env,
  );
  await eventually(
    async () => (await storedCounts(config)).events > COUNT / 5,
    60_000,
    'a fifth of the stream stored',
  );

  const down = Date.now();
  await services.stopKafka();
  const storedAtStop = (await storedCounts(config)).events;
  await sleep(OUTAGE_MS);
  const restarting = Date.now();
  await services.startKafka();
  const back = Date.now();

  // Progress after the restart, then the whole stream: the producer finishes every record.
  await eventually(
    async () => (await storedCounts(config)).events > storedAtStop,
    120_000,
    'new events stored after the broker came back',
  );
  const firstStoreMs = Date.now() - back;
  const produced = await producer.exited;
  const producerDoneMs = Date.now() - back;
  assert.equal(produced.code, 0, produced.stdout + produced.stderr);
  assert.match(produced.stdout, new RegExp(`sent ${COUNT} records`));
  await waitForCatchUp(admin, config, { events: COUNT, deadLetters: 0 }, 120_000);
  const recoveryMs = Date.now() - back;

  const exit = await ingest.exited;
  assert.equal(exit.code, 0, exit.stderr);
  await assertExactTotals(admin, config, { events: COUNT, deadLetters: 0 });
  report('broker-outage', {
    produced: COUNT,
    outageMs: back - down,
    brokerStartMs: back - restarting,
    storedAtStop,
    firstStoreAfterRestartMs: firstStoreMs,
    producerDoneAfterRestartMs: producerDoneMs,
    lag0AfterRestartMs: recoveryMs,
    consumerRestarts: (exit.stderr.match(/consumer stream failed/g) ?? []).length,
    finalLag: await totalLag(admin, config),
    final: await storedCounts(config),
  });
});
