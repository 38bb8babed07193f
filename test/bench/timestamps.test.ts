import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { median } from '../../bench/measure.ts';
import { printTable, writeJson } from '../../bench/report.ts';
import { dateBaseline, dateFnsBaseline } from '../../bench/timestamp-baselines.ts';
import { runTimestampBench, timestampMix } from '../../bench/timestamps.ts';
import { tryParseTimestamp } from '../../src/events/index.ts';

describe('timestamp benchmark', () => {
  it('generates the same mix for the same seed, all of it parseable', () => {
    const a = timestampMix(2000);
    assert.deepEqual(a, timestampMix(2000));
    for (const value of a) assert.ok('iso' in tryParseTimestamp(value), String(value));
    assert.ok(a.some((v) => typeof v === 'number') && a.some((v) => typeof v === 'string'));
  });

  it('has baselines that agree with the parser on UTC-marked values', () => {
    for (const value of [1726668850124, '2024-09-18T14:14:10.124Z', 'Wed, 18 Sep 2024 16:14:10 +0200']) {
      const expected = (tryParseTimestamp(value) as { iso: string }).iso;
      assert.equal(dateBaseline(value), expected);
      assert.equal(dateFnsBaseline(value), expected);
    }
    assert.equal(dateBaseline('nonsense'), undefined);
    assert.equal(dateFnsBaseline('nonsense'), undefined);
  });

  it('reports one row per implementation, relative to the Date baseline', async () => {
    const report = await runTimestampBench({ values: 2000, seconds: 0.2 });
    assert.equal(report.name, 'timestamps');
    assert.deepEqual(
      report.rows.map((r) => r.impl),
      ['ipstream', 'Date', 'date-fns'],
    );
    for (const row of report.rows) assert.ok(row.valuesPerSec > 0 && row.nsPerValue > 0);
    assert.equal(report.rows[1]?.relative, 1);
    assert.equal(report.rows[0]?.agreementPct, 100);
    assert.ok(Number(report.params.rounds) >= 5);
  });

  it('prints a table and writes JSON named after the report', async () => {
    const report = await runTimestampBench({ values: 500, seconds: 0.05 });
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    printTable(report, out);
    assert.match(text, /impl\s+valuesPerSec\s+nsPerValue\s+relative\s+agreementPct/);
    assert.match(text, /^ipstream\s+[\d,]+/m);

    const dir = await mkdtemp(join(tmpdir(), 'ipstream-bench-'));
    try {
      const path = await writeJson(report, join(dir, 'nested'));
      assert.match(path, /timestamps-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.json$/);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), report);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes the median of rounds', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
