import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { COLLECTIONS, countStoredEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents, withDb } from '../support/recount.ts';

// The buckets layout end to end, as the documents layout's fault tests run it: two ingest
// processes in one group, one SIGKILLed mid-stream (its buckets half written, nothing of them
// committed) and started again; every record stored exactly once, in one bucket, and the read
// model equal to a recount. Then a start with the other layout on the same database is refused.
const config = testConfig('buckets');
const env = envFor(config, { LOG_LEVEL: 'info', EVENTS_LAYOUT: 'buckets' });

after(async () => {
  killChildren();
  await dropDatabase(config);
});

test('buckets: a member SIGKILLed mid-stream and started again; every record once; the other layout refused', async () => {
  const admin = new TopicAdmin(config.kafka);
  try {
    await admin.create(config.kafka.topic, 4);
    const survivor = startCli(['ingest', '--workers', '1'], env);
    let victim = startCli(['ingest', '--workers', '1'], env);
    const producing = runCli(
      ['produce', '--count', '20000', '--rate', '2500', '--devices', '700', '--seed', '23'],
      env,
    );
    const stored = () => withDb(config, countStoredEvents);
    await eventually(async () => (await stored()) > 3000, 120_000, 'some buckets stored');
    victim.child.kill('SIGKILL');
    await victim.exited;
    victim = startCli(['ingest', '--workers', '1'], env);
    const produced = await producing;
    assert.equal(produced.code, 0, produced.stderr);
    await eventually(
      async () => (await admin.describe(config.kafka.topic, config.kafka.group)).totalLag === 0,
      180_000,
      'everything stored and committed',
    );
    survivor.child.kill('SIGTERM');
    victim.child.kill('SIGTERM');
    await Promise.all([survivor.exited, victim.exited]);
    await withDb(config, async (db) => {
      assert.equal(await countStoredEvents(db), 20_000);
      const buckets = await db.collection(COLLECTIONS.events).countDocuments();
      assert.ok(buckets < 2_000, `${buckets} buckets for 20,000 events`);
      await assertRollupsMatchEvents(db);
    });
    const refused = await runCli(['ingest', '--until-idle', '1'], { ...env, EVENTS_LAYOUT: 'documents' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /stores events as buckets.*EVENTS_LAYOUT=documents cannot start on it/);
    await admin.deleteTopic(config.kafka.topic);
  } finally {
    await admin.close();
  }
});
