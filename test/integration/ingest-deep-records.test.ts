import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MAX_RECORD_DEPTH } from '../../src/events/store-limits.ts';
import { createEventGenerator } from '../../src/events/index.ts';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { COLLECTIONS, countStoredEvents, type StoredEvent, storedEvents } from '../../src/store/index.ts';
import { envFor, killChildren, runCli } from '../support/cli.ts';
import { dropDatabase, testConfig } from '../support/config.ts';
import { withDb } from '../support/recount.ts';

// The user report: a few records with an extra field nested hundreds or thousands of levels deep,
// among thousands of plain ones. Each deep one used to overflow the stack of the key check (the
// consumer stream died and restarted on the same record forever) or be refused by the store; now
// each is a TOO_DEEP dead letter and the rest of the partition flows.

const config = testConfig('deep-records');
const env = envFor(config);
const admin = new TopicAdmin(config.kafka);

/** Levels and kind of the deep records: some past MongoDB's 100, some thousands deep (under 64 KiB). */
const DEEP: [number, '[' | '{'][] = [
  [101, '['],
  [101, '{'],
  [150, '{'],
  [250, '['],
  [400, '{'],
  [700, '['],
  [1000, '{'],
  [1000, '['],
  [3000, '{'],
  [5000, '['],
  [5000, '{'],
  [8000, '['],
  [10_000, '{'],
  [30_000, '['],
];
const TOTAL = 3000;

function eventWith(extra: string, i: number): string {
  return `{"timestamp":${1726668850124 + i},"device_ip":"10.9.${i % 250}.${i % 7}","error_code":500,"payload":${extra}}`;
}

function nested(levels: number, open: '[' | '{'): string {
  return open === '['
    ? `${'['.repeat(levels)}1${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

after(async () => {
  killChildren();
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
  await dropDatabase(config);
});

test('records nested too deep become TOO_DEEP dead letters; every other record is stored', async () => {
  const generator = createEventGenerator({ seed: 21, devices: 200 });
  const deep = DEEP.map(([levels, open], i) => eventWith(nested(levels, open), i));
  // The deepest records the bound allows (the record object is level 1) must fit the real store,
  // and so must arrays directly in arrays, which FerretDB refuses to store as such.
  const fitting = [
    eventWith(nested(MAX_RECORD_DEPTH - 1, '{'), DEEP.length),
    eventWith(nested(MAX_RECORD_DEPTH - 1, '['), DEEP.length + 1),
    eventWith('[[1,2],[3]]', DEEP.length + 2),
  ];
  const lines = Array.from({ length: TOTAL - deep.length - fitting.length }, () => generator.next().value);
  lines.splice(Math.floor(lines.length / 2), 0, ...fitting);
  const every = Math.floor(lines.length / deep.length);
  deep.forEach((line, i) => lines.splice(i * every + i + 1, 0, line));
  assert.equal(lines.length, TOTAL);

  await admin.create(config.kafka.topic, 3);
  const file = join(tmpdir(), `${config.kafka.topic}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const produced = await runCli(['produce', '--file', file], env);
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stdout, new RegExp(`sent ${TOTAL} records`));

  const run = await runCli(['ingest', '--until-idle', '3'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /consumer stream failed/);

  await withDb(config, async (db) => {
    assert.equal(await countStoredEvents(db), TOTAL - DEEP.length);
    const all: StoredEvent[] = [];
    for await (const e of storedEvents(db)) all.push(e);
    assert.equal(
      all.filter((e) => (e.extra?.payload as { a?: unknown } | undefined)?.a !== undefined).length,
      1,
      'objects at the bound',
    );
    const asText = all.filter((e) => e.extra?.json !== undefined);
    assert.deepEqual(
      asText.map((e) => (e.extra as { json: string }).json).sort(),
      fitting
        .slice(1)
        .map((l) => JSON.stringify({ payload: (JSON.parse(l) as { payload: unknown }).payload }))
        .sort(),
      'arrays in arrays kept as JSON text',
    );
    const dead = await db.collection(COLLECTIONS.deadLetters).find().toArray();
    assert.deepEqual(
      dead.map((d) => d.reason as string),
      DEEP.map(() => 'TOO_DEEP'),
    );
    assert.deepEqual(
      dead.map((d) => d.valueBytes as number).sort((a, b) => a - b),
      deep.map((l) => Buffer.byteLength(l)).sort((a, b) => a - b),
      'the dead letters are the deep records',
    );
  });
});
