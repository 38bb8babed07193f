import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor, runCli, startCli } from '../support/cli.ts';
import { eventually, testConfig } from '../support/config.ts';
import { seqsInFile, topicSeqs, writeSequencedFile } from '../support/sequenced.ts';

// `produce --file` stopped part way writes the lines it did not get acknowledged to a file it
// names, and `produce --file <that file>` sends exactly those: the topic ends with every line once.
const config = testConfig('produce-resume');
const env = envFor(config);
const admin = new TopicAdmin(config.kafka);
const work = mkdtempSync(join(tmpdir(), 'ipstream-resume-'));
const COUNT = 3_000;

after(async () => {
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  rmSync(work, { recursive: true, force: true });
});

test('a stopped produce --file names the lines it did not send, and a resume sends exactly those', async () => {
  const file = join(work, 'events.jsonl');
  writeSequencedFile(file, COUNT, 7);
  await admin.create(config.kafka.topic, 3);
  const first = startCli(['produce', '--file', file, '--rate', '500'], env);
  await eventually(
    async () => (await admin.describe(config.kafka.topic, config.kafka.group)).totalEnd >= 300,
    30_000,
    'some records sent',
  );
  first.child.kill('SIGTERM');
  const stopped = await first.exited;
  assert.equal(stopped.code, 0, stopped.stderr);
  const unacked = join(work, 'events.unacked.jsonl');
  assert.match(stopped.stdout, new RegExp(`lines not acknowledged are in ${unacked}`));
  const rest = seqsInFile(unacked);
  const sent = Number(/sent (\d+) records/.exec(stopped.stdout)?.[1]);
  assert.equal(sent + rest.length, COUNT, stopped.stdout);
  assert.deepEqual(
    rest,
    Array.from({ length: rest.length }, (_, i) => sent + i),
    'the rest of the file, in order',
  );

  const resumed = await runCli(['produce', '--file', unacked], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`sent ${rest.length} records`));
  assert.equal(existsSync(join(work, 'events.unacked.unacked.jsonl')), false, 'nothing left unacknowledged');
  const inTopic = (await topicSeqs(config.kafka.brokers, config.kafka.topic, COUNT)).summary();
  assert.deepEqual(
    { seen: inTopic.seen, missing: inTopic.missing, duplicated: inTopic.duplicated, strays: inTopic.strays },
    { seen: COUNT, missing: 0, duplicated: 0, strays: 0 },
  );
});
