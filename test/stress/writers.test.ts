import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { createRandom } from '../../src/events/index.ts';
import { countStoredEvents, ensureSchema } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { assertRollupsMatchEvents } from '../support/recount.ts';

// Concurrent writers on the local FerretDB, as a scaled-out ingest meets them: in each round two
// processes of two threads each write their partitions' batches of mostly new devices (some new
// ones met by every writer at once), and one process is SIGKILLed mid-round and started again (it
// writes its batches again: a redelivery). After every round, every device id is distinct and
// every document equals a recount from the events (the totals equal the sums of the buckets).
//
// `npm run test:stress` runs 20 rounds (STRESS_ROUNDS); `npm test` runs a short version.

const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
const ROUNDS = Number(process.env.STRESS_ROUNDS ?? 1);
const PROCESSES = 2;
const THREADS = 2;
const BATCHES = 20;
const SIZE = Number(process.env.STRESS_BATCH ?? 50);

const config = testConfig('stress-writers');
const children = new Set<ChildProcess>();

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await dropDatabase(config);
});

function writer(round: number, index: number): { child: ChildProcess; exited: Promise<number | string> } {
  const child = spawn(
    process.execPath,
    [WRITER, config.mongo.uri, config.mongo.db, ...[round, index, THREADS, BATCHES, SIZE].map(String)],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  children.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, exited };
}

test(`${ROUNDS} rounds of ${PROCESSES} writer processes x ${THREADS} threads, one SIGKILLed per round`, async () => {
  const client = new MongoClient(config.mongo.uri);
  await client.connect();
  try {
    const db = client.db(config.mongo.db);
    await ensureSchema(db);
    const random = createRandom(20261207);
    for (let round = 0; round < ROUNDS; round++) {
      const victim = round % PROCESSES;
      const runs = Array.from({ length: PROCESSES }, (_, p) => writer(round, p));
      // Killed at a seeded moment within its first seconds of writing.
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 2500));
      runs[victim]!.child.kill('SIGKILL');
      assert.equal(await runs[victim]!.exited, 'SIGKILL', `round ${round}: the victim was still writing`);
      const again = writer(round, victim);
      const codes = await Promise.all([
        ...runs.filter((_, p) => p !== victim).map((r) => r.exited),
        again.exited,
      ]);
      assert.deepEqual(
        codes,
        codes.map(() => 0),
        `round ${round}: every writer finished`,
      );
      const expected = (round + 1) * PROCESSES * THREADS * BATCHES * SIZE;
      assert.equal(await countStoredEvents(db), expected, `round ${round}: events`);
      await assertRollupsMatchEvents(db);
    }
  } finally {
    await client.close();
  }
});
