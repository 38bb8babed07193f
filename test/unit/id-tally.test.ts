import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdTally } from '../../src/query/id-tally.ts';

describe('IdTally', () => {
  it('sums per id like a Map, growing past its capacity, and lists ids in first-added order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 5000 }), fc.integer({ min: -50, max: 50 })), { maxLength: 300 }),
        fc.nat({ max: 2000 }),
        (adds, capacity) => {
          const tally = new IdTally(capacity);
          const reference = new Map<number, number>();
          for (const [id, n] of adds) {
            tally.add(id, n);
            reference.set(id, (reference.get(id) ?? 0) + n);
          }
          assert.deepEqual([...tally.ids], [...reference.keys()]);
          for (const [id, sum] of reference) {
            assert.equal(tally.get(id), sum);
          }
          assert.equal(tally.get(6000), 0);
        },
      ),
    );
  });

  it('adds counts pairwise', () => {
    const tally = new IdTally(4);
    tally.addAll(Uint32Array.of(3, 9, 3), Uint32Array.of(2, 5, 1));
    assert.deepEqual([...tally.ids], [3, 9]);
    assert.equal(tally.get(3), 3);
    assert.equal(tally.get(9), 5);
  });
});
