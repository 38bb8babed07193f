import assert from 'node:assert/strict';
import { DEFAULT_START_MS, parseTimestamp } from '../../src/events/index.ts';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { benchEvents, benchIp } from '../../bench/api-data.ts';
import { parseIoWriteBytes, parseVmRss } from '../../bench/measured-process.ts';
import { pythonProblem, requirementsHash, venvDir, venvIsCurrent } from '../../bench/peers/venv.ts';
import { briefArgs, parseBriefLine } from '../../bench/peers/brief-process.ts';
import { benchRecords, PREFILL_DAYS, phaseStreams, streamDevices } from '../../bench/pipeline/data.ts';
import { emptyRow, fillRatios, type PipelineBenchRow, pipelineChart } from '../../bench/pipeline/row.ts';

import { benchEnvironment } from '../../bench/report.ts';
import {
  addCommand,
  describeStatements,
  mergeCounts,
  type StatementCounts,
  statementsOf,
  totalStatements,
} from '../../bench/statements.ts';
import { dataDirOf, walPath } from '../../bench/store-sampler.ts';
import { syntheticRecords } from '../../src/producer/index.ts';

describe('pipeline benchmark: statements', () => {
  it('counts documents, statements and finds; other commands only by name', () => {
    assert.equal(statementsOf('insert', { insert: 'events', documents: [{}, {}, {}] }), 3);
    assert.equal(statementsOf('update', { update: 'rollups', updates: [{}, {}] }), 2);
    assert.equal(statementsOf('delete', { delete: 'meta', deletes: [{}] }), 1);
    assert.equal(statementsOf('find', { find: 'rollups', filter: { _id: 'x' } }), 1);
    assert.equal(statementsOf('findAndModify', { findAndModify: 'meta' }), 1);
    assert.equal(statementsOf('hello', { hello: 1 }), 0);
    assert.equal(statementsOf('insert', { insert: 'events' }), 0);

    const counts: StatementCounts = {};
    addCommand(counts, 'insert', { documents: [{}, {}] });
    addCommand(counts, 'insert', { documents: [{}] });
    addCommand(counts, 'find', {});
    addCommand(counts, 'hello', { hello: 1 });
    addCommand(counts, 'getMore', {});
    addCommand(counts, 'update', { updates: [{}, {}, {}, {}] });
    assert.deepEqual(counts, { insert: 3, find: 1, hello: 1, getMore: 1, update: 4 });
    assert.equal(totalStatements(counts), 8);
    assert.equal(describeStatements(counts), 'update 4, insert 3, find 1');
    const merged = mergeCounts([counts, { insert: 7, findAndModify: 2 }, {}]);
    assert.equal(merged.insert, 10);
    assert.equal(totalStatements(merged), 17);
    assert.equal(describeStatements({}), '');
  });
});

describe('pipeline benchmark: the store server from /proc', () => {
  it('reads write_bytes, VmRSS and the data folder', () => {
    const io =
      'rchar: 1908299846\nwchar: 1747438516\nsyscr: 511675\nsyscw: 751026\nread_bytes: 25911296\nwrite_bytes: 1669267456\ncancelled_write_bytes: 348192768\n';
    assert.equal(parseIoWriteBytes(io), 1669267456);
    assert.equal(parseIoWriteBytes('rchar: 1\n'), null);
    assert.equal(parseVmRss('Name:\tferretdb\nVmHWM:\t  900 kB\nVmRSS:\t  123456 kB\n'), 123456);
    assert.equal(parseVmRss('Name: x'), null);
    const argv = ['/x/ferretdb', '--listen-addr', '127.0.0.1:27017', '--data-dir', '/s/ferretdb/data'];
    assert.equal(dataDirOf(argv), '/s/ferretdb/data');
    assert.equal(dataDirOf(['ferretdb', '--data-dir=/d']), '/d');
    assert.equal(dataDirOf(['ferretdb', '--listen-addr', 'x']), null);
    assert.equal(walPath('/d', 'ipsbench_x_3'), '/d/ipsbench_x_3.sqlite-wal');
  });
});

describe('pipeline benchmark: the peers virtualenv', () => {
  it('hashes what the requirements ask for, not their comments or order', () => {
    const a = requirementsHash('# peers\nkafka-python==3.0.12\npymongo==4.20.1\n');
    assert.equal(a, requirementsHash('pymongo==4.20.1   # the driver\n\n  kafka-python==3.0.12\n# other\n'));
    assert.notEqual(a, requirementsHash('kafka-python==3.0.11\npymongo==4.20.1\n'));
    assert.notEqual(a, requirementsHash('kafka-python==3.0.12\npymongo==4.20.1\nlz4==4.4.5\n'));
    assert.match(a, /^[0-9a-f]{64}$/);
  });

  it('reuses a virtualenv only when its stamp matches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipstream-venv-'));
    try {
      const hash = requirementsHash('pymongo==4.20.1');
      assert.equal(venvIsCurrent(dir, hash), false);
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', 'python'), '');
      assert.equal(venvIsCurrent(dir, hash), false, 'no stamp: an install that did not finish');
      writeFileSync(join(dir, '.ipstream-requirements.sha256'), `${hash}\n`);
      assert.equal(venvIsCurrent(dir, hash), true);
      assert.equal(venvIsCurrent(dir, requirementsHash('pymongo==4.20.0')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(venvDir('/state'), '/state/venv-bench');
  });

  it('says in one line when python3 or its venv module is missing', () => {
    const missing = pythonProblem('/nonexistent/python3');
    assert.match(missing ?? '', /needs \/nonexistent\/python3 \(not found/);
    const dir = mkdtempSync(join(tmpdir(), 'ipstream-python-'));
    try {
      // A python3 whose `import venv, ensurepip` fails, as on Debian without python3-venv.
      const fake = join(dir, 'python3');
      writeFileSync(fake, '#!/bin/sh\nexit 1\n');
      chmodSync(fake, 0o755);
      assert.match(pythonProblem(fake) ?? '', /venv module .*apt-get install python3-venv/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const line of [missing, pythonProblem('/nonexistent/python3')]) assert.ok(!line!.includes('\n'));
  });
});

describe('pipeline benchmark: stored levels', () => {
  it('streams without a start time are the producer synthetic source', () => {
    const stream = { count: 50, devices: 20, seed: 9 };
    assert.deepEqual([...benchRecords(stream)], [...syntheticRecords(stream)]);
  });

  it('gives each phase its own seed and day, after the prefilled days, the same at every level', () => {
    const base = { count: 100, devices: 30, seed: 11 };
    const streams = [0, 1, 2].flatMap((k) => Object.values(phaseStreams(base, k)));
    assert.equal(new Set(streams.map((s) => s.seed)).size, 6);
    assert.equal(new Set(streams.map((s) => s.startMs)).size, 6);
    const firstDay = Math.floor(DEFAULT_START_MS / 86_400_000) * 86_400_000;
    for (const s of streams) {
      assert.ok(s.startMs! >= firstDay);
      assert.equal(s.count, 100);
      assert.equal(s.devices, 30);
    }
    assert.ok(PREFILL_DAYS >= 1);
    assert.deepEqual(phaseStreams(base, 1), phaseStreams(base, 1));
    // Two pools of other seeds share (almost) no device.
    const a = new Set(streamDevices(streams[0]!));
    const shared = streamDevices(streams[1]!).filter((ip) => a.has(ip));
    assert.ok(shared.length <= 1);
    // Each phase's records are stamped within the hour its stream starts (the generator's spread).
    const stream = streams[3]!;
    for (const record of benchRecords({ ...stream, count: 20 })) {
      const ts = parseTimestamp(
        (JSON.parse(String(record.value)) as { timestamp: string | number }).timestamp,
      );
      assert.ok(ts.epochMs >= stream.startMs! && ts.epochMs < stream.startMs! + 3_600_000, ts.iso);
    }
  });

  it('prefills every pool address once at least, never an excluded one', () => {
    const exclude = new Set([benchIp(3), benchIp(7)]);
    const options = {
      events: 60,
      ips: 20,
      hours: 24,
      endMs: Date.UTC(2024, 8, 18),
      partitions: 2,
      seed: 4,
      everyIp: true,
      excludeIps: exclude,
    };
    const events = [...benchEvents(options)];
    const ips = new Set(events.map((e) => e.ip));
    assert.equal(ips.size, 20);
    for (const ip of exclude) assert.ok(!ips.has(ip));
    assert.ok(ips.has(benchIp(20)) && ips.has(benchIp(21)), 'the pool takes the next addresses instead');
    assert.deepEqual(
      events.slice(0, 20).map((e) => e.ip),
      [...ips].slice(0, 20),
    );
    for (const e of events) assert.ok(e.ts < options.endMs && e.ts >= options.endMs - 86_400_000);
    // Without the new options, the data set is what it was.
    const plain = [...benchEvents({ ...options, everyIp: undefined, excludeIps: undefined })];
    assert.ok(new Set(plain.map((e) => e.ip)).size < 20);
    assert.ok(plain.some((e) => e.ip === benchIp(3)));
  });
});

describe('pipeline benchmark: ratios across phases and levels', () => {
  const row = (
    phase: PipelineBenchRow['phase'],
    stored: number | null,
    rate: number,
    batch: string | null = 'adaptive',
    error: string | null = null,
  ): PipelineBenchRow => ({
    ...emptyRow(phase, 2, null, stored),
    batch,
    eventsPerSec: rate,
    error,
  });

  it('relates store and e2e to raw, every level to level 0, and e2e time to the brief', () => {
    const rows = [
      row('consume', null, 100_000),
      row('raw', 0, 20_000),
      row('store', 0, 8_000),
      row('e2e', 0, 4_000),
      row('brief', 0, 5_000, null),
      row('raw', 100_000, 10_000),
      row('store', 100_000, 6_000),
      row('e2e', 100_000, 3_000, 'adaptive', 'capped: 1 of 2'),
      row('brief', 100_000, 2_000, null, 'consumer 0: failed'),
    ];
    fillRatios(rows);
    const [, raw0, store0, e2e0, brief0, raw1, store1, e2e1, brief1] = rows;
    assert.equal(store0!.vsRaw, 0.4);
    assert.equal(e2e0!.vsRaw, 0.2);
    assert.equal(e2e0!.vsCeiling, 0.5);
    // e2e at 4000/s and the brief at 5000/s on the same backlog: e2e takes 1.25 times as long.
    assert.equal(e2e0!.timeVsBrief, 1.25);
    assert.equal(raw0!.vsStored0, 1);
    assert.equal(brief0!.vsStored0, 1);
    assert.equal(raw1!.vsStored0, 0.5);
    assert.equal(store1!.vsStored0, 0.75);
    assert.equal(store1!.vsRaw, 0.6);
    assert.equal(e2e1!.vsCeiling, 0.5);
    assert.equal(e2e1!.vsStored0, 0.75);
    assert.equal(e2e1!.timeVsBrief, null, 'the brief failed: no ratio');
    assert.equal(brief1!.vsStored0, null);
    assert.equal(rows[0]!.vsStored0, null);
  });

  it('relates each layout to its own raw and store rows, and every layout to the one brief', () => {
    const inLayout = (r: PipelineBenchRow, layout: 'documents' | 'buckets'): PipelineBenchRow => ({
      ...r,
      layout,
    });
    const rows = [
      row('consume', null, 100_000),
      inLayout(row('raw', 0, 20_000), 'documents'),
      inLayout(row('store', 0, 8_000), 'documents'),
      inLayout(row('e2e', 0, 4_000), 'documents'),
      row('brief', 0, 5_000, null),
      inLayout(row('raw', 0, 40_000), 'buckets'),
      inLayout(row('store', 0, 10_000), 'buckets'),
      inLayout(row('e2e', 0, 5_000), 'buckets'),
    ];
    fillRatios(rows);
    const [, , , e2eDocs, , , , e2eBuckets] = rows;
    assert.equal(e2eDocs!.vsRaw, 0.2);
    assert.equal(e2eDocs!.vsCeiling, 0.5);
    assert.equal(e2eBuckets!.vsRaw, 0.13);
    assert.equal(e2eBuckets!.vsCeiling, 0.5);
    assert.equal(e2eBuckets!.timeVsBrief, 1);
    assert.equal(e2eBuckets!.vsStored0, 1);
  });

  it('charts each phase per stored level, the consume ceiling apart', () => {
    const rows = [
      row('produce', null, 300_000, null),
      row('consume', null, 100_000),
      row('prefill', 100_000, 9_000, null),
      row('raw', 0, 20_000),
      row('store', 0, 8_000),
      row('e2e', 0, 4_000),
      row('brief', 0, 5_000, null),
      row('raw', 100_000, 10_000),
      row('store', 100_000, 6_000),
      row('e2e', 100_000, 3_000),
      row('brief', 100_000, 2_000, null),
    ];
    const svg = pipelineChart({
      name: 'pipeline',
      startedAt: '2026-01-01T00:00:00.000Z',
      environment: benchEnvironment(),
      params: { events: 100_000, devices: 10_000, partitions: 4, store: 'ferretdb' },
      rows,
      notes: [],
    });
    // 1 consume bar + 4 bars at each of two levels.
    assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 9);
    assert.ok(svg.includes('100k stored'));
    assert.ok(svg.includes('no store'));
    assert.ok(svg.includes('brief&apos;s design'));
  });
});

describe('pipeline benchmark: the brief peer', () => {
  it('reads its lines and builds its command line', () => {
    assert.deepEqual(parseBriefLine('{"type": "done", "inserted": 500, "inserts": 1}'), {
      type: 'done',
      inserted: 500,
      inserts: 1,
    });
    assert.equal(parseBriefLine('Traceback (most recent call last):'), null);
    assert.equal(parseBriefLine('{"no": "type"}'), null);
    assert.equal(parseBriefLine('{broken'), null);
    const args = briefArgs({
      topic: 't',
      group: 'g',
      brokers: ['a:1', 'b:2'],
      mongoUri: 'mongodb://127.0.0.1:27017',
      db: 'd',
      collection: 'c',
      threads: 3,
      expect: 500,
    });
    assert.ok(args[0]!.endsWith('bench/peers/brief/brief.py'));
    assert.deepEqual(args.slice(args.indexOf('--brokers'), args.indexOf('--brokers') + 2), [
      '--brokers',
      'a:1,b:2',
    ]);
    assert.deepEqual(args.slice(-4), ['--threads', '3', '--expect', '500']);
  });
});
