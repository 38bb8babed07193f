import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { barChartSvg, compactNumber, escapeXml, logTicks, niceTicks } from '../../bench/chart.ts';
import { categoryOf, type CpuProfile, summarizeCpuProfiles } from '../../bench/cpu-profile.ts';
import { MeasuredProcess, parseProcStat, parseVmHwm } from '../../bench/measured-process.ts';
import { decodedRecords, partitionOf, stampedRecords } from '../../bench/pipeline/data.ts';
import {
  addBatch,
  emptySizes,
  ingestFor,
  mergeSizes,
  parseBatchSetting,
} from '../../bench/pipeline/protocol.ts';
import { describeSizes, emptyRow, fillRatios } from '../../bench/pipeline/row.ts';
import { childEnv } from '../../bench/pipeline/runs.ts';
import { loadConfig } from '../../src/config/index.ts';
import { decodeRecord } from '../../src/events/index.ts';

const LIMITS = { maxRecordBytes: 65536, deadLetterValueChars: 4096 };

describe('pipeline benchmark: data', () => {
  it('puts a key on the partition the producer picks', () => {
    for (const key of ['10.0.0.1', '2001:db8::1', 'FE80::1', 'x']) {
      for (const partitions of [1, 3, 4, 7]) {
        const expected =
          compatibilityPartitioner({ topic: 't', value: Buffer.alloc(0) }, Buffer.from(key)) % partitions;
        assert.equal(partitionOf(key, partitions), expected, `${key} over ${partitions}`);
      }
    }
  });

  it('decodes the stream per partition with contiguous offsets, partition after partition', () => {
    const stream = { count: 400, devices: 50, seed: 7 };
    const all = decodedRecords(stream, 'bench', 3, [0, 1, 2], LIMITS);
    assert.equal(all.length, 400);
    const some = decodedRecords(stream, 'bench', 3, [2, 0], LIMITS);
    const events = some.map((d) => {
      assert.ok(d.ok);
      return d.event;
    });
    const partitions = events.map((e) => e.partition);
    assert.deepEqual(
      partitions,
      [...partitions].sort((a, b) => a - b),
    );
    assert.ok(!partitions.includes(1));
    for (const p of [0, 2]) {
      const offsets = events.filter((e) => e.partition === p).map((e) => e.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
      );
    }
    assert.equal(events[0]!.id, `bench/${events[0]!.partition}/0`);
  });

  it('stamps live records with sent_at, which the decoder keeps', () => {
    let now = 1_800_000_000_000;
    const records = [...stampedRecords({ count: 5, devices: 3, seed: 1 }, () => now++)];
    assert.equal(records.length, 5);
    for (const r of records) {
      const decoded = decodeRecord(
        { topic: 't', partition: 0, offset: 0, key: null, value: Buffer.from(String(r.value)) },
        LIMITS,
      );
      assert.ok(decoded.ok);
      assert.equal(typeof decoded.event.extra?.sent_at, 'number');
      assert.ok(Math.abs(decoded.event.ts - Number(decoded.event.extra?.sent_at)) <= 2000);
    }
  });
});

describe('pipeline benchmark: plumbing', () => {
  it('gives children an environment that loads back into the same settings', () => {
    const config = loadConfig(
      {},
      {
        kafka: { topic: 'bench-t', group: 'bench-g' },
        mongo: { db: 'bench_db' },
        ingest: { ...ingestFor(loadConfig({}).ingest, 500), workers: 3 },
      },
    );
    const back = loadConfig(childEnv({ ...config, logLevel: 'warn' }));
    assert.deepEqual(back.kafka, config.kafka);
    assert.deepEqual(back.mongo, config.mongo);
    assert.deepEqual(back.ingest, config.ingest);
    assert.equal(back.ingest.adaptive, false);
    assert.equal(back.ingest.flushCount, 500);
    assert.equal(back.logLevel, 'warn');
  });

  it('adds up batch sizes over workers', () => {
    const a = emptySizes();
    addBatch(a, 500);
    addBatch(a, 200);
    a.finalCountLimits.push(500);
    const b = emptySizes();
    addBatch(b, 900);
    b.finalCountLimits.push(1000);
    const total = mergeSizes([a, b, emptySizes()]);
    assert.deepEqual(total, {
      flushes: 3,
      records: 1600,
      min: 200,
      max: 900,
      finalCountLimits: [500, 1000],
      storeRetries: 0,
      duplicates: 0,
    });
    assert.equal(ingestFor(loadConfig({}).ingest, 'adaptive').adaptive, true);
    assert.equal(describeSizes(total), '200..900 limit 500/1000');
    assert.equal(describeSizes(emptySizes()), '-..0');
  });

  it('reads batch settings', () => {
    assert.equal(parseBatchSetting('adaptive'), 'adaptive');
    assert.equal(parseBatchSetting(' 500 '), 500);
    for (const bad of ['0', '-5', '1.5', 'fixed', '', '1e3']) assert.equal(parseBatchSetting(bad), null, bad);
  });

  it('relates each end-to-end rate to the lower ceiling of its own setting', () => {
    const row = (phase: 'consume' | 'store' | 'e2e', batch: number | 'adaptive', rate: number) => ({
      ...emptyRow(phase, 2, batch),
      eventsPerSec: rate,
    });
    const failedStore = { ...row('store', 'adaptive', 1), error: 'the child exited' };
    const cappedStore = { ...row('store', 1000, 500), error: 'capped: 500 of 900 written' };
    const rows = [
      row('consume', 500, 50_000),
      row('store', 500, 10_000),
      row('e2e', 500, 8_000),
      row('consume', 'adaptive', 40_000),
      failedStore,
      row('e2e', 'adaptive', 9_000),
      row('consume', 1000, 40_000),
      cappedStore,
      row('e2e', 1000, 450),
    ];
    fillRatios(rows);
    assert.equal(rows[2]!.vsCeiling, 0.8);
    assert.equal(rows[5]!.vsCeiling, null);
    // A capped run still measured a rate over its interval.
    assert.equal(rows[8]!.vsCeiling, 0.9);
  });

  it('parses /proc stat and status text', () => {
    const stat = '1234 (node (worker) 1) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 11 0';
    assert.equal(parseProcStat(stat), 290);
    assert.equal(parseVmHwm('Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t 1 kB\n'), 204800);
    assert.equal(parseVmHwm('Name: x'), null);
  });

  it('watches a child: lines, exit, and (on Linux) CPU and peak RSS', async () => {
    const child = new MeasuredProcess(
      process.execPath,
      [
        '-e',
        'console.log("ready"); let x = 0; for (let i = 0; i < 3e7; i++) x += i; console.error("done " + x);',
      ],
      {},
      10,
    );
    const ready = await child.waitForLine('stdout', (t) => t === 'ready', 10_000);
    assert.ok(ready.at >= child.spawnedAt);
    await child.waitForLine('stderr', (t) => t.startsWith('done'), 10_000);
    const exit = await child.waitForExit(10_000);
    assert.equal(exit.code, 0);
    await assert.rejects(
      child.waitForLine('stdout', (t) => t === 'never', 5_000),
      /exited/,
    );
    if (process.platform === 'linux') {
      const sample = child.sample();
      assert.ok(sample !== null && sample.peakRssKb > 1000);
    }
  });
});

describe('pipeline benchmark: chart', () => {
  it('draws one bar per value, skipping gaps, with escaped labels', () => {
    const svg = barChartSvg({
      title: 'a <b> & "c"',
      unit: 'events/s',
      series: ['consume', 'store', 'e2e'],
      groups: [
        { label: '1 worker\nbatch 500', values: [40000, 900, 700] },
        { label: '2 workers', values: [80000, null, 1700] },
      ],
    });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 5);
    assert.ok(svg.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
    assert.ok(!svg.includes('<b>'));
    // 80000 / 700 > 100: the axis turns logarithmic and says so.
    assert.ok(svg.includes('events/s (log scale)'));
    const linear = barChartSvg({
      title: 't',
      unit: 'events/s',
      series: ['x'],
      groups: [{ label: 'g', values: [10] }],
      scale: 'linear',
    });
    assert.ok(!linear.includes('log scale'));
  });

  it('picks round ticks and compact labels', () => {
    assert.deepEqual(niceTicks(87), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0), [0, 1]);
    assert.deepEqual(logTicks(850, 40000), [100, 1000, 10000, 100000]);
    assert.deepEqual(logTicks(5, 5), [1, 10]);
    assert.equal(compactNumber(1234), '1.23k');
    assert.equal(compactNumber(56789), '56.8k');
    assert.equal(compactNumber(1_234_567), '1.23M');
    assert.equal(compactNumber(999), '999');
    assert.equal(escapeXml(`<'&">`), '&lt;&apos;&amp;&quot;&gt;');
  });
});

describe('pipeline benchmark: CPU profiles', () => {
  it('sums self time by function and area, idle apart', () => {
    const frame = (functionName: string, url: string) => ({
      functionName,
      url,
      lineNumber: 0,
      columnNumber: 0,
    });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1000,
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('decodeRecord', 'file:///app/src/events/decode.ts') },
        { id: 3, callFrame: frame('parse', '') },
        { id: 4, callFrame: frame('(idle)', '') },
        { id: 5, callFrame: frame('serializeInto', 'file:///app/node_modules/bson/lib/bson.cjs') },
      ],
      // Each sample stands for the delta that follows it.
      samples: [2, 3, 2, 4, 5, 2],
      timeDeltas: [0, 3000, 1000, 0, 4000, 2000],
    };
    const summary = summarizeCpuProfiles([profile]);
    assert.equal(summary.totalMs, 10);
    assert.equal(summary.idleMs, 4);
    assert.deepEqual(
      summary.functions.map((f) => [f.name, f.selfMs, f.category]),
      [
        ['decodeRecord', 3, 'decode'],
        ['serializeInto', 2, 'bson'],
        ['parse', 1, 'JSON.parse'],
      ],
    );
    assert.equal(summary.functions[0]!.where, 'src/events/decode.ts:1');
    assert.equal(Math.round(summary.functions[0]!.pct), 50);
    assert.equal(
      categoryOf('insertMany', 'file:///x/node_modules/mongodb/lib/collection.js'),
      'mongodb driver',
    );
    assert.equal(categoryOf('add', 'file:///x/src/sketch/hll.ts'), 'hll');
  });
});
