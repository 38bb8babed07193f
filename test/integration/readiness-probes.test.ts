import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { clientProbes } from '../../src/local-services/index.ts';
import { testConfig } from '../support/config.ts';

// The probes /readyz runs under `serve` and `up`: through the process's long-lived Kafka admin and
// MongoDB pool, against the real services, and against addresses where nothing listens.

const config = testConfig('readiness');
const admin = new TopicAdmin(config.kafka);
const client = new MongoClient(config.mongo.uri);
// Port 1 on loopback: nothing listens there, so both clients fail to connect.
const deadAdmin = new TopicAdmin({ ...config.kafka, brokers: ['127.0.0.1:1'] });
const deadClient = new MongoClient('mongodb://127.0.0.1:1', { serverSelectionTimeoutMS: 30_000 });

after(async () => {
  await admin.close();
  await client.close();
  await deadAdmin.close().catch(() => undefined);
  await deadClient.close();
});

describe('readiness probes over long-lived clients', () => {
  it('answer true for the running services, again and again over the same clients', async () => {
    const probes = clientProbes(admin, client.db(config.mongo.db));
    for (let i = 0; i < 3; i++) {
      assert.equal(await probes.kafka(), true);
      assert.equal(await probes.mongo(), true);
    }
  });

  it("answer false when nothing listens, without waiting for the clients' own longer timeouts", async () => {
    const probes = clientProbes(deadAdmin, deadClient.db(config.mongo.db), 1000);
    assert.equal(await probes.kafka(), false);
    // The client would look for a server for 30 s; the probe gives up after its own second.
    assert.equal(await probes.mongo(), false);
  });
});
