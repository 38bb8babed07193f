import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BSON } from 'mongodb';
import { pathValue, SeqTally, withSeq } from '../../bench/peers/accounting.ts';
import { restartQuiet } from '../../bench/peers/brief-peer.ts';
import { briefArgs, parseBriefLine } from '../../bench/peers/brief-process.ts';
import { BRIEF_SCRIPT } from '../../bench/peers/venv.ts';
import {
  assignedPartitions,
  connectDocumentId,
  connectGroup,
  ID_STRATEGY,
  renderProperties,
  sinkProperties,
  WRITE_MODEL_CLASSES,
  workerProperties,
} from '../../bench/peers/connect-config.ts';
import { bsonArrayStringBytes, peerRecords, streamTruth } from '../../bench/peers/records.ts';
import {
  markdownTable,
  peerRow,
  peersChart,
  type SystemResult,
  throughputRatio,
} from '../../bench/peers/report.ts';
import type { CleanResult, KillResult } from '../../bench/peers/runs.ts';

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

test('the tally counts each produced record: 0 times lost, more than once duplicated', () => {
  const tally = new SeqTally(6);
  for (const seq of [0, 1, 1, 3, 3, 3, 5, 'x', 6, -1, undefined, 2.5, '4']) tally.add(seq);
  const r = tally.result();
  assert.equal(r.documents, 13);
  assert.equal(r.foreign, 5); // 'x', 6 (past the end), -1, undefined, 2.5
  assert.equal(r.stored, 5); // 0, 1, 3, 4 ('4' as text), 5
  assert.equal(r.lost, 1);
  assert.deepEqual(r.lostSample, [2]);
  assert.equal(r.duplicated, 2); // 1 twice, 3 three times
  assert.equal(r.extraCopies, 3);
});

test('a record stored 300 times is still one duplicated record with 299 extra copies', () => {
  const tally = new SeqTally(2);
  for (let i = 0; i < 300; i++) tally.add(1);
  tally.add(0);
  const r = tally.result();
  assert.deepEqual([r.lost, r.duplicated, r.extraCopies, r.stored], [0, 1, 299, 2]);
});

test('seq goes into the value as one more field, and is read back from a dotted path', () => {
  const value = withSeq('{"timestamp":1726668850,"device_ip":"10.0.0.1","error_code":1}', 42);
  assert.deepEqual(JSON.parse(value), {
    timestamp: 1726668850,
    device_ip: '10.0.0.1',
    error_code: 1,
    seq: 42,
  });
  assert.throws(() => withSeq('[1]', 0));
  assert.equal(pathValue({ extra: { seq: 7 } }, 'extra.seq'), 7);
  assert.equal(pathValue({ extra: null }, 'extra.seq'), undefined);
  assert.equal(pathValue({ seq: 3 }, 'seq'), 3);
});

test('peer records carry their index, and the truth counts devices by canonical address', () => {
  const stream = { count: 2000, devices: 50, seed: 7 };
  let i = 0;
  for (const record of peerRecords(stream)) {
    assert.equal((JSON.parse(String(record.value)) as { seq: number }).seq, i++);
  }
  assert.equal(i, 2000);
  const truth = streamTruth(stream);
  assert.equal(truth.events, 2000);
  assert.equal(truth.devices, 50);
  // The generator spells some IPv6 devices several ways: a distinct over raw values counts more.
  assert.ok(truth.spellings >= truth.devices);
});

test('the BSON size of distinct values is what BSON says for the array', () => {
  const values = ['10.0.0.1', '2001:db8::1', 'é'];
  const array = Object.fromEntries(values.map((v, i) => [String(i), v]));
  const elements = values.reduce((n, v, i) => n + bsonArrayStringBytes(v, i), 0);
  assert.equal(elements + 5, BSON.calculateObjectSize(array));
});

/** Properties.load, for the subset renderProperties writes. */
function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = /(?<!\\)=/.exec(line)!.index;
    const unescape = (s: string): string =>
      s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    map.set(unescape(line.slice(0, eq)), unescape(line.slice(eq + 1)));
  }
  return map;
}

test('the sink is configured as its users would for this data', () => {
  const sink = parseProperties(
    renderProperties(
      sinkProperties({
        name: 'peers-x',
        topic: 'events-t',
        tasks: 2,
        mongoUri: 'mongodb://127.0.0.1:27017/?w=1',
        db: 'peers_db',
        collection: 'events',
        writeModel: 'replace',
        deadLetterTopic: 'peers-x-dlq',
      }),
      'a comment',
    ),
  );
  assert.equal(sink.get('connector.class'), 'com.mongodb.kafka.connect.MongoSinkConnector');
  assert.equal(sink.get('connection.uri'), 'mongodb://127.0.0.1:27017/?w=1');
  assert.equal(sink.get('topics'), 'events-t');
  assert.equal(sink.get('tasks.max'), '2');
  assert.equal(sink.get('document.id.strategy'), ID_STRATEGY);
  assert.match(ID_STRATEGY, /KafkaMetaDataStrategy$/);
  assert.equal(sink.get('writemodel.strategy'), WRITE_MODEL_CLASSES.replace);
  assert.match(WRITE_MODEL_CLASSES.replace, /ReplaceOneDefaultStrategy$/);
  assert.equal(sink.get('bulk.write.ordered'), 'false');
  assert.equal(sink.get('errors.tolerance'), 'all');
  assert.equal(sink.get('errors.deadletterqueue.topic.name'), 'peers-x-dlq');
  assert.equal(sink.get('errors.deadletterqueue.topic.replication.factor'), '1');

  const insert = parseProperties(
    renderProperties(
      sinkProperties({
        name: 'n',
        topic: 't',
        tasks: 4,
        mongoUri: 'mongodb://h',
        db: 'd',
        collection: 'c',
        writeModel: 'insert',
        deadLetterTopic: 'n-dlq',
      }),
    ),
  );
  assert.match(insert.get('writemodel.strategy')!, /InsertOneDefaultStrategy$/);
  assert.equal(connectGroup('peers-x'), 'connect-peers-x');
  assert.equal(connectDocumentId('t', 3, 17), 't#3#17');
});

test('the worker reads schemaless JSON values and string keys, and commits as often as asked', () => {
  const worker = parseProperties(
    renderProperties(
      workerProperties({
        brokers: ['localhost:9092', 'b:9093'],
        offsetsFile: '/tmp/a b\\c.offsets',
        restPort: 18083,
        offsetFlushMs: 1000,
      }),
    ),
  );
  assert.equal(worker.get('bootstrap.servers'), 'localhost:9092,b:9093');
  assert.equal(worker.get('key.converter'), 'org.apache.kafka.connect.storage.StringConverter');
  assert.equal(worker.get('value.converter'), 'org.apache.kafka.connect.json.JsonConverter');
  assert.equal(worker.get('value.converter.schemas.enable'), 'false');
  assert.equal(worker.get('offset.storage.file.filename'), '/tmp/a b\\c.offsets');
  assert.equal(worker.get('offset.flush.interval.ms'), '1000');
  assert.equal(worker.get('listeners'), 'http://127.0.0.1:18083');
  assert.equal(renderProperties([['a key', ' lead']]), 'a\\ key=\\ lead\n');
});

test("Connect's assignment lines are recognised, empty ones are not assignments", () => {
  const line =
    '[2026-11-29 02:14:50,232] INFO [Consumer clientId=connector-consumer-s-0, groupId=connect-s] Adding newly assigned partitions: [t-0, t-1] (org.apache.kafka.clients.consumer.internals.ConsumerRebalanceListenerInvoker)';
  assert.deepEqual(assignedPartitions(line), ['t-0', 't-1']);
  assert.deepEqual(assignedPartitions('... Adding newly assigned partitions: [] (x)'), []);
  assert.equal(assignedPartitions('INFO Revoke previously assigned partitions [t-0]'), null);
});

test("the brief's interface: its arguments and its JSON lines", () => {
  const args = briefArgs({
    topic: 't',
    group: 'g',
    brokers: ['a:1', 'b:2'],
    mongoUri: 'mongodb://h',
    db: 'd',
    collection: 'c',
    threads: 2,
    expect: 100,
  });
  assert.equal(args[0], BRIEF_SCRIPT);
  assert.deepEqual(args.slice(1), [
    '--topic',
    't',
    '--group',
    'g',
    '--brokers',
    'a:1,b:2',
    '--mongo-uri',
    'mongodb://h',
    '--db',
    'd',
    '--collection',
    'c',
    '--threads',
    '2',
    '--expect',
    '100',
  ]);
  assert.deepEqual(parseBriefLine('{"type": "saved", "docs": 5, "inserted": 9, "seconds": 0.1}'), {
    type: 'saved',
    docs: 5,
    inserted: 9,
    seconds: 0.1,
  });
  assert.equal(parseBriefLine('Traceback (most recent call last):'), null);
  assert.equal(parseBriefLine('{"no": "type"}'), null);
});

test('a restarted brief is done after a save that began once everything was committed, or a quiet period', () => {
  assert.equal(restartQuiet(null, [], 1e9), false);
  // A save that started before the commit reached the end may have missed records: not enough.
  assert.equal(restartQuiet(10_000, [{ at: 12_000, seconds: 3 }], 13_000), false);
  // A save that started after it: done.
  assert.equal(restartQuiet(10_000, [{ at: 16_000, seconds: 3 }], 16_000), true);
  // No save for 1.5 periods after the last event: the list was empty, done.
  assert.equal(restartQuiet(10_000, [{ at: 12_000, seconds: 3 }], 12_000 + 14_000), false);
  assert.equal(restartQuiet(10_000, [{ at: 12_000, seconds: 3 }], 12_000 + 15_001), true);
});

function clean(partial: Partial<CleanResult>): CleanResult {
  return {
    seconds: 10,
    eventsPerSec: 1000,
    cpuS: 5,
    cpuPerKEvents: 0.5,
    cpuWithStartupS: 6,
    peakRssMb: 100,
    storeCpuS: 8,
    storeCpuPerKEvents: 0.8,
    storeBytesPerEvent: 200,
    tally: null,
    extras: {},
    error: null,
    ...partial,
  };
}

function kill(lost: number, duplicated: number): KillResult {
  return {
    storedAtKill: 5,
    killedAfterS: 1,
    restartAssignedS: 2,
    restartDoneS: 3,
    finished: true,
    tally: { documents: 0, stored: 0, lost, duplicated, extraCopies: duplicated, foreign: 0, lostSample: [] },
    extras: {},
    error: null,
  };
}

test('headline rows keep exactly the issue’s fields; lost and duplicated come from the kill run', () => {
  const results: SystemResult[] = [
    { system: 'ipstream', clean: clean({ eventsPerSec: 3000 }), kill: kill(0, 0) },
    { system: 'kafka-connect (replace)', clean: clean({ eventsPerSec: 1500 }), kill: kill(0, 0) },
    { system: 'brief (python)', clean: clean({ eventsPerSec: 900 }), kill: kill(1200, 300) },
    { system: 'broken', clean: clean({ error: 'boom' }), kill: null },
  ];
  const rows = results.map(peerRow);
  for (const row of rows)
    assert.deepEqual(Object.keys(row), [
      'system',
      'eventsPerSec',
      'cpuPerKEvents',
      'peakRssMb',
      'lost',
      'duplicated',
    ]);
  assert.deepEqual(rows[2], {
    system: 'brief (python)',
    eventsPerSec: 900,
    cpuPerKEvents: 0.5,
    peakRssMb: 100,
    lost: 1200,
    duplicated: 300,
  });
  assert.deepEqual(rows[3], {
    system: 'broken',
    eventsPerSec: null,
    cpuPerKEvents: null,
    peakRssMb: null,
    lost: null,
    duplicated: null,
  });
  assert.equal(throughputRatio(rows, 'ipstream', 'kafka-connect (replace)'), 2);
  assert.equal(throughputRatio(rows, 'ipstream', 'broken'), null);
  assert.equal(throughputRatio(rows, 'ipstream', 'missing'), null);
  const table = markdownTable(rows);
  assert.match(table, /\| brief \(python\) \| 900 \| 0\.500 \| 100 \| 1,200 \| 300 \|/);
  assert.match(table, /\| broken \| - \| - \| - \| - \| - \|/);
  const svg = peersChart(rows, 'N=1');
  assert.match(svg, /^<svg /);
  assert.match(svg, /lost 1,200, dup 300/);
});

test('bench peers refuses an unknown system before anything runs', () => {
  const run = spawnSync(process.execPath, [BIN, 'bench', 'peers', '--systems', 'ipstream,flink'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(
    run.stderr.trim(),
    /--systems .*expected some of ipstream,ipstream-buckets,connect-replace,connect-insert,brief, got "flink"/,
  );
});
