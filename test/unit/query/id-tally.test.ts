import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdTally } from '../../../src/query/id-tally.ts';

const entries = (tally: IdTally) => {
  const out: [number, number][] = [];
  tally.forEach((id, sum) => out.push([id, sum]));
  return out.sort((a, b) => a[0] - b[0]);
};

describe('IdTally', () => {
  it('sums per id like a Map, through any number of growths', () => {
    const id = fc.oneof(
      fc.nat({ max: 5000 }),
      fc.nat({ max: 200 }).map((k) => k * 65_536), // strided ids, as chunk starts are
      fc.constant(0xffff_fffe),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(id, fc.integer({ min: -50, max: 50 })), { maxLength: 500 }), (adds) => {
        const tally = new IdTally(1);
        const reference = new Map<number, number>();
        for (const [n, c] of adds) {
          tally.add(n, c);
          reference.set(n, (reference.get(n) ?? 0) + c);
        }
        assert.deepEqual(
          entries(tally),
          [...reference].sort((a, b) => a[0] - b[0]),
        );
        for (const [n, sum] of reference) assert.equal(tally.get(n), sum);
        assert.equal(tally.get(7001), 0);
      }),
    );
  });

  it('adds counts pairwise', () => {
    const tally = new IdTally();
    tally.addAll(Uint32Array.of(3, 9, 3), Uint32Array.of(2, 5, 1));
    assert.deepEqual(entries(tally), [
      [3, 3],
      [9, 5],
    ]);
  });

  it('refuses what is not a device id', () => {
    for (const bad of [-1, 1.5, 0xffff_ffff, Number.NaN]) {
      assert.throws(() => new IdTally().add(bad, 1), RangeError, String(bad));
    }
  });
});
