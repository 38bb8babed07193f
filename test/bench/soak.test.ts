import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lineChartSvg } from '../../bench/line-chart.ts';
import { runSoakBench } from '../../bench/soak/index.ts';
import { type SoakSample, slope, soakRows, soakVerdict } from '../../bench/soak/summary.ts';
import { loadConfig } from '../../src/config/index.ts';

const sample = (atS: number, rssMb: number, o: Partial<SoakSample> = {}): SoakSample => ({
  atS,
  rssMb,
  hwmMb: rssMb,
  produced: atS * 100,
  committed: atS * 100,
  producing: true,
  ...o,
});

describe('soak benchmark: the verdict', () => {
  it('fits a least-squares slope, and has none for fewer than two distinct points', () => {
    assert.equal(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
      2,
    );
    assert.equal(slope([[0, 1]]), null);
    assert.equal(
      slope([
        [1, 1],
        [1, 2],
      ]),
      null,
    );
  });

  it('judges only the samples after the settling time, taken while producing', () => {
    const samples = [
      // Settling: memory fills, and is not judged.
      ...[0, 60, 120].map((t) => sample(t, 100 + t)),
      ...[180, 240, 300, 360].map((t) => sample(t, 200 + (t % 120 === 0 ? 2 : 0))),
      // The drain after the producer: its high-water counts, its RSS is not judged.
      sample(420, 300, { hwmMb: 310, producing: false }),
    ];
    const v = soakVerdict(samples, { settleS: 180, boundMb: 256, rate: 100 });
    assert.equal(v.samples, 4);
    assert.equal(v.fromS, 180);
    assert.equal(v.toS, 360);
    assert.deepEqual([v.rssMinMb, v.rssMaxMb], [200, 202]);
    assert.equal(v.flat, true);
    assert.equal(v.withinBound, true);
    assert.equal(v.peakMb, 310, 'the high-water mark of the whole run');
    assert.equal(v.keptUp, true);
  });

  it('is not flat when RSS keeps rising, nor within the bound past it, nor kept up with a growing lag', () => {
    const samples = [0, 60, 120, 180, 240].map((t) =>
      sample(t, 200 + t / 4, { committed: t * 100 - t * 40 }),
    );
    const v = soakVerdict(samples, { settleS: 0, boundMb: 256, rate: 100 });
    // 15 MB a minute over four minutes: 60 MB, past 5% of 256.
    assert.equal(v.rssSlopeMbPerMin, 15);
    assert.equal(v.flat, false);
    assert.equal(v.withinBound, false, '260 MB at minute 4');
    assert.equal(v.maxLag, 9600);
    assert.equal(v.keptUp, false, '9,600 records behind is 96 s of 100/s');
  });

  it('has nothing to say of a run with no sample after the settling time', () => {
    const v = soakVerdict([sample(0, 100), sample(10, 110)], { settleS: 60, boundMb: 256, rate: 100 });
    assert.equal(v.samples, 0);
    assert.equal(v.flat, false);
    assert.equal(v.withinBound, false);
    assert.equal(v.keptUp, false);
  });

  it('keeps a row per step and the last sample, with the rate committed between rows', () => {
    const samples = [0, 10, 20, 61, 70, 125, 130].map((t) => sample(t, 100, { committed: t * 50 }));
    const rows = soakRows(samples, 60);
    assert.deepEqual(
      rows.map((r) => r.minute),
      [0, 1.02, 2.08, 2.17],
    );
    assert.deepEqual(
      rows.map((r) => r.committedPerSec),
      [null, 50, 50, 50],
    );
    assert.equal(rows[1]!.lag, 61 * 100 - 61 * 50);
  });

  it('draws each series and the bound', () => {
    const svg = lineChartSvg({
      title: 'RSS <test>',
      xUnit: 'minutes',
      yUnit: 'MB',
      series: [
        {
          name: 'RSS',
          points: [
            [0, 100],
            [1, 120],
          ],
        },
      ],
      limits: [{ label: 'bound', y: 256 }],
    });
    assert.match(svg, /^<svg /);
    assert.match(svg, /RSS &lt;test&gt;/);
    assert.equal(svg.match(/<polyline /g)?.length, 1);
    assert.match(svg, /stroke-dasharray="6 4"/);
  });
});

describe('soak benchmark: a short run through Kafka and the store', () => {
  it(
    'samples the ingest process while it keeps up, and counts every record once',
    { timeout: 180_000 },
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'ipstream-soak-test-'));
      try {
        const report = await runSoakBench({
          config: loadConfig(),
          minutes: 0.3,
          rate: 200,
          devices: 2000,
          partitions: 2,
          workers: 2,
          memoryMb: 256,
          layout: 'documents',
          seed: 5,
          sampleSeconds: 1,
          settleMinutes: 0.1,
          drainSeconds: 60,
          out,
        });
        assert.equal(report.params.produced, 3600);
        assert.equal(report.params.committed, 3600);
        assert.equal(report.params.counted, 3600);
        assert.equal(report.params.exact, true);
        assert.equal(report.params.exit, '0', 'ingest stopped cleanly on SIGTERM');
        assert.ok(report.samples.length >= 15, `${report.samples.length} samples of 1 s over 18 s`);
        for (const s of report.samples) assert.ok(s.rssMb > 0 && s.rssMb <= s.hwmMb + 1);
        const last = report.samples.at(-1)!;
        assert.equal(last.committed, last.produced, 'drained before the stop');
        assert.ok(report.verdict.withinBound, `RSS ${report.verdict.rssMaxMb} MB against 256`);
        const json = JSON.parse(await readFile(report.files.json, 'utf8')) as { name: string };
        assert.equal(json.name, 'soak');
        assert.match(await readFile(report.files.svg, 'utf8'), /<polyline /);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
  );
});
