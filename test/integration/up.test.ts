import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor, killChildren, startCli } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';

// What `npm start` runs (`ipstream up --demo`), against the shared services: it prints where the
// dashboard is, the demo producer's events come out of the API, and SIGTERM stops everything it
// started with exit 0.
const config = testConfig('up');

after(async () => {
  killChildren();
  const admin = new TopicAdmin(config.kafka);
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

test('up --demo serves the API over what its demo producer sent, and stops on SIGTERM', async () => {
  const run = startCli(
    ['up', '--demo', '--demo-rate', '300', '--port', '0', '--workers', '1'],
    envFor(config),
  );
  const url = await eventually(
    () => /dashboard\s+(http:\/\/\S+?)\/\s/.exec(run.output())?.[1],
    120_000,
    'the dashboard URL',
  );
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  const events = await eventually(
    async () => {
      const answer = (await (await fetch(`${url}/api/v1/ips/unique`)).json()) as {
        events: number;
        uniqueIps: number;
      };
      return answer.events > 100 && answer.uniqueIps > 0 ? answer : undefined;
    },
    120_000,
    'demo events stored and counted',
  );
  assert.ok(events.uniqueIps <= 500, 'the demo draws from 500 devices');
  run.child.kill('SIGTERM');
  const exit = await run.exited;
  assert.equal(exit.code, 0, exit.stderr);
  assert.match(exit.stdout + exit.stderr, /stopping: demo producer, API, ingest workers/);
});
