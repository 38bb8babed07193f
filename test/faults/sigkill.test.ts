import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor, killChildren, startCli, type CliRun } from '../support/cli.ts';
import { dropDatabase, eventually, testConfig } from '../support/config.ts';
import { assertExactTotals, report, storedCounts, waitForCatchUp, watchProgress } from '../support/faults.ts';

// Ingest processes die without warning (SIGKILL: no flush, no commit, no leaving the group) while
// records keep arriving, three times over, beside a process that survives. Every kill leaves
// records read but unstored, or stored but uncommitted: redelivery and the idempotent store must
// end with every record stored exactly once. Shared services, own topic and database.
const config = testConfig('fault-sigkill');
const env = envFor(config, { LOG_LEVEL: 'info' });
const PARTITIONS = 6;
const KILLS = 3;

let admin: TopicAdmin;

before(async () => {
  admin = new TopicAdmin(config.kafka);
  await admin.create(config.kafka.topic, PARTITIONS);
});

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

const joined = (run: CliRun): boolean => run.output().includes('joined group');

async function committedOffsets(): Promise<number[]> {
  const d = await admin.describe(config.kafka.topic, config.kafka.group);
  return d.partitions.map((p) => p.committed ?? -1);
}

/**
 * Starts a victim, lets it join and take part (the stored count grows while it holds partitions),
 * SIGKILLs it, and returns how long until every partition's committed offset moved past where it
 * stood at the kill: the moment the group owns all partitions again (the dead member's move to
 * the others after the broker's session timeout).
 */
async function killOneVictim(round: number): Promise<number> {
  const victim = startCli(['ingest', '--workers', '2'], env);
  await eventually(() => joined(victim), 60_000, `victim ${round} to join the group`);
  const storedAtJoin = (await storedCounts(config)).events;
  await eventually(
    async () => (await storedCounts(config)).events >= storedAtJoin + 1000,
    60_000,
    `events stored while victim ${round} is in the group`,
  );
  victim.child.kill('SIGKILL');
  const killedAt = Date.now();
  assert.equal((await victim.exited).code, 'SIGKILL');
  const atKill = await committedOffsets();
  await eventually(
    async () => (await committedOffsets()).every((c, i) => c > atKill[i]!),
    60_000,
    `every partition committing again after kill ${round}`,
  );
  const failover = Date.now() - killedAt;
  process.stderr.write(
    `[fault sigkill] kill ${round}: every partition committing again ${failover} ms later\n`,
  );
  return failover;
}

test('SIGKILL of ingest processes during steady production, three times, beside a survivor', async () => {
  const stopWatch = watchProgress('sigkill', admin, config);
  const survivor = startCli(['ingest', '--workers', '2'], env);
  await eventually(() => joined(survivor), 60_000, 'the survivor to join the group');
  // Endless at a steady rate; stopped (SIGTERM: it finishes what is in flight) after the kills.
  const producer = startCli(
    ['produce', '--count', '10000000', '--rate', '600', '--devices', '200', '--seed', '51'],
    env,
  );

  const failoverMs: number[] = [];
  for (let round = 1; round <= KILLS; round++) failoverMs.push(await killOneVictim(round));

  producer.child.kill('SIGTERM');
  const produced = await producer.exited;
  assert.equal(produced.code, 0, produced.stdout + produced.stderr);
  const sent = Number(/sent (\d+) records/.exec(produced.stdout)?.[1]);
  assert.ok(sent > 0 && !/FAILED/.test(produced.stdout), produced.stdout);
  const producerStopped = Date.now();

  await waitForCatchUp(admin, config, { events: sent, deadLetters: 0 }, 120_000);
  const catchUpMs = Date.now() - producerStopped;
  survivor.child.kill('SIGTERM');
  const exit = await survivor.exited;
  assert.equal(exit.code, 0, exit.stderr);
  const survivorSummary = /ingested: .*/.exec(exit.stdout)?.[0];

  stopWatch();
  await assertExactTotals(admin, config, { events: sent, deadLetters: 0 });
  report('sigkill', {
    produced: sent,
    kills: KILLS,
    failoverMsPerKill: failoverMs,
    catchUpAfterProducerStopMs: catchUpMs,
    survivor: survivorSummary,
    final: await storedCounts(config),
  });
});
