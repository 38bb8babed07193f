import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Piece, tileRange } from '../../../src/query/tiling.ts';
import { type Level, bucketEnd, bucketId, parseBucketId } from '../../../src/store/index.ts';

const T = (iso: string) => Date.parse(iso);

function span(p: Piece): [number, number] {
  return p.kind === 'partial'
    ? [p.start + p.fromMs, p.start + p.toMs]
    : [p.start, bucketEnd(p.level, p.start)];
}

function describePieces(pieces: Piece[]): string[] {
  return pieces.map((p) => {
    const [a, b] = span(p);
    const kind = p.kind === 'partial' ? 'part' : p.level;
    return `${kind} ${new Date(a).toISOString()}..${new Date(b).toISOString()}`;
  });
}

describe('tileRange', () => {
  it('uses the largest whole buckets inside and exact minute parts at the ends', () => {
    const pieces = tileRange(T('2024-01-30T22:58:30.250Z'), T('2024-03-01T01:02:00.500Z'));
    assert.deepEqual(describePieces(pieces), [
      'part 2024-01-30T22:58:30.250Z..2024-01-30T22:59:00.000Z',
      'minute 2024-01-30T22:59:00.000Z..2024-01-30T23:00:00.000Z',
      'hour 2024-01-30T23:00:00.000Z..2024-01-31T00:00:00.000Z',
      'day 2024-01-31T00:00:00.000Z..2024-02-01T00:00:00.000Z',
      'month 2024-02-01T00:00:00.000Z..2024-03-01T00:00:00.000Z',
      'hour 2024-03-01T00:00:00.000Z..2024-03-01T01:00:00.000Z',
      'minute 2024-03-01T01:00:00.000Z..2024-03-01T01:01:00.000Z',
      'minute 2024-03-01T01:01:00.000Z..2024-03-01T01:02:00.000Z',
      'part 2024-03-01T01:02:00.000Z..2024-03-01T01:02:00.500Z',
    ]);
  });

  it('takes ten minutes where a range holds them but no whole hour', () => {
    const pieces = tileRange(T('2024-01-30T22:12:30Z'), T('2024-01-31T00:31:00Z'));
    assert.deepEqual(describePieces(pieces), [
      'part 2024-01-30T22:12:30.000Z..2024-01-30T22:13:00.000Z',
      ...['13', '14', '15', '16', '17', '18', '19'].map(
        (m) =>
          `minute 2024-01-30T22:${m}:00.000Z..2024-01-30T22:${String(Number(m) + 1).padStart(2, '0')}:00.000Z`,
      ),
      'tenMinutes 2024-01-30T22:20:00.000Z..2024-01-30T22:30:00.000Z',
      'tenMinutes 2024-01-30T22:30:00.000Z..2024-01-30T22:40:00.000Z',
      'tenMinutes 2024-01-30T22:40:00.000Z..2024-01-30T22:50:00.000Z',
      'tenMinutes 2024-01-30T22:50:00.000Z..2024-01-30T23:00:00.000Z',
      'hour 2024-01-30T23:00:00.000Z..2024-01-31T00:00:00.000Z',
      'tenMinutes 2024-01-31T00:00:00.000Z..2024-01-31T00:10:00.000Z',
      'tenMinutes 2024-01-31T00:10:00.000Z..2024-01-31T00:20:00.000Z',
      'tenMinutes 2024-01-31T00:20:00.000Z..2024-01-31T00:30:00.000Z',
      'minute 2024-01-31T00:30:00.000Z..2024-01-31T00:31:00.000Z',
    ]);
  });

  it('takes six hours where a range holds them but no whole day', () => {
    const pieces = tileRange(T('2024-01-30T03:17:30Z'), T('2024-01-31T20:05:00Z'));
    const levels = pieces.map((p) => (p.kind === 'partial' ? 'part' : p.level));
    assert.deepEqual(levels, [
      'part',
      ...Array<Level>(2).fill('minute'),
      ...Array<Level>(4).fill('tenMinutes'),
      ...Array<Level>(2).fill('hour'),
      ...Array<Level>(6).fill('sixHours'),
      ...Array<Level>(2).fill('hour'),
      ...Array<Level>(5).fill('minute'),
    ]);
    assert.deepEqual(describePieces(pieces).slice(9, 12), [
      'sixHours 2024-01-30T06:00:00.000Z..2024-01-30T12:00:00.000Z',
      'sixHours 2024-01-30T12:00:00.000Z..2024-01-30T18:00:00.000Z',
      'sixHours 2024-01-30T18:00:00.000Z..2024-01-31T00:00:00.000Z',
    ]);
  });

  it('answers a range inside one minute with one part, and an empty range with nothing', () => {
    assert.deepEqual(describePieces(tileRange(T('2024-01-01T00:00:10Z'), T('2024-01-01T00:00:20Z'))), [
      'part 2024-01-01T00:00:10.000Z..2024-01-01T00:00:20.000Z',
    ]);
    assert.deepEqual(tileRange(5, 5), []);
    assert.deepEqual(tileRange(6, 5), []);
  });

  it('covers every range exactly once, in order, with a bounded number of pieces', () => {
    const lo = T('0050-01-01T00:00:00Z');
    const hi = T('9999-12-31T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: lo, max: hi }),
        fc.integer({ min: 1, max: 400 * 86_400_000 }),
        (from, width) => {
          const to = Math.min(hi, from + width);
          const pieces = tileRange(from, to);
          let at = from;
          for (const p of pieces) {
            const [a, b] = span(p);
            assert.equal(a, at, 'contiguous');
            assert.ok(b > a, 'non-empty');
            at = b;
          }
          assert.equal(at, to, 'reaches the end');
          // 13 months + 2 × (30 days + 3 six hours + 5 hours + 5 ten minutes + 9 minutes + 1 part)
          assert.ok(pieces.length <= 13 + 2 * (30 + 3 + 5 + 5 + 9 + 1), `${pieces.length} pieces`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('bucket ids', () => {
  it('name buckets in ISO form and parse back, for heads, sets and chunks alike', () => {
    const cases: [Level, string, string][] = [
      ['minute', '2024-09-18T14:14:00Z', 'm:2024-09-18T14:14'],
      ['tenMinutes', '2024-09-18T14:10:00Z', 't:2024-09-18T14:1'],
      ['hour', '2024-09-18T14:00:00Z', 'h:2024-09-18T14'],
      ['sixHours', '2024-09-18T12:00:00Z', 's:2024-09-18T12'],
      ['day', '2024-09-18T00:00:00Z', 'd:2024-09-18'],
      ['month', '2024-09-01T00:00:00Z', 'M:2024-09'],
    ];
    for (const [level, iso, id] of cases) {
      assert.equal(bucketId(level, T(iso)), id);
      for (const suffix of ['', '/set', '/c3'])
        assert.deepEqual(parseBucketId(`${id}${suffix}`), { level, start: T(iso) });
    }
    assert.equal(bucketId('month', T('0050-02-14T10:00:00Z')), 'M:0050-02');
    for (const other of [
      'all',
      'all/c1',
      'totals',
      'dev/4',
      'dead-letters',
      'h:2024-09-18T1',
      's:2024-09-18T13',
    ]) {
      assert.equal(parseBucketId(other), null, other);
    }
  });
});
