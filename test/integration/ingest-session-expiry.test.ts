import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { countStoredEvents } from '../../src/store/index.ts';
import { type CliRun, envFor, keepOutputs, killChildren, runCli, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { withDb } from '../support/recount.ts';

// A member the group dropped: its process stood still past the session timeout (a paused VM, a
// stop-the-world pause, a starved event loop), so the coordinator fenced it and handed its
// partitions on. Under the consumer protocol the client keeps heartbeating with the dead member id
// (UNKNOWN_MEMBER_ID) and its commits fail for good; found in a soak, where one consumer's commits
// failed for minutes while it read its partitions again. The member must join afresh and go on.
const config = testConfig('session-expiry');
const env = envFor(config, { LOG_LEVEL: 'warn' });
/** Past the local broker's group.consumer.session.timeout.ms (10 s, src/local-services). */
const STOPPED_MS = 14_000;

after(async () => {
  killChildren();
  await dropDatabase(config);
});

test('a member fenced after its session expired joins again, stores the rest and commits', async () => {
  const admin = new TopicAdmin(config.kafka);
  const runs = new Map<string, CliRun>();
  const lag = async () => (await admin.describe(config.kafka.topic, config.kafka.group)).totalLag;
  try {
    await admin.create(config.kafka.topic, 2);
    const ingest = startCli(['ingest', '--workers', '1'], env);
    runs.set('ingest', ingest);
    const produce = (seed: string) =>
      runCli(['produce', '--count', '3000', '--devices', '200', '--seed', seed], env);
    assert.equal((await produce('1')).code, 0);
    await eventually(async () => (await lag()) === 0, 90_000, 'the first records stored and committed');

    ingest.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, STOPPED_MS));
    ingest.child.kill('SIGCONT');
    assert.equal((await produce('2')).code, 0);

    await eventually(async () => (await lag()) === 0, 60_000, 'the records sent after the pause committed');
    assert.equal(await withDb(config, countStoredEvents), 6_000);
    assert.match(ingest.output(), /dropped this member.*restarting the consumer/);
    ingest.child.kill('SIGTERM');
    const exited = await ingest.exited;
    assert.equal(exited.code, 0, exited.stderr);
    await admin.deleteTopic(config.kafka.topic);
  } finally {
    keepOutputs('session-expiry', runs);
    await admin.close();
  }
});
