import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeRange, parseRange, tiledBounds } from '../../../src/query/range.ts';

const T = (iso: string) => Date.parse(iso);

describe('parseRange', () => {
  it('accepts every timestamp form and open ends', () => {
    assert.deepEqual(parseRange('1726668850', '2024-09-18T16:14:11+02:00'), {
      from: 1726668850000,
      to: 1726668851000,
    });
    assert.deepEqual(parseRange(undefined, undefined), { from: null, to: null });
    assert.deepEqual(parseRange('Wed, 18 Sep 2024 16:14:10 +0200', undefined), {
      from: 1726668850000,
      to: null,
    });
  });

  it('needs from < to', () => {
    assert.throws(() => parseRange('2024-01-02', '2024-01-01'), { code: 'RANGE_EMPTY' });
    assert.throws(() => parseRange('2024-01-01', '2024-01-01'), { code: 'RANGE_EMPTY' });
  });
});

describe('closeRange', () => {
  const stored = {
    firstTs: new Date(T('2024-01-01T00:00:00Z')),
    lastTs: new Date(T('2024-01-02T00:00:00Z')),
  };

  it('closes open ends at the stored data: from the first event, to just after the last', () => {
    assert.deepEqual(closeRange({ from: null, to: null }, stored), {
      from: T('2024-01-01T00:00:00Z'),
      to: T('2024-01-02T00:00:00.001Z'),
    });
    assert.deepEqual(closeRange({ from: T('2024-01-01T12:00:00Z'), to: null }, stored), {
      from: T('2024-01-01T12:00:00Z'),
      to: T('2024-01-02T00:00:00.001Z'),
    });
  });

  it('keeps a range with both ends as it is, stored data or not (no totals read needed)', () => {
    const range = { from: T('2023-06-01T00:00:00Z'), to: T('2023-06-02T00:00:00Z') };
    assert.deepEqual(closeRange(range, null), range);
    assert.deepEqual(closeRange(range, stored), range);
  });

  it('is null when nothing is stored or nothing can be in the range', () => {
    assert.equal(closeRange({ from: null, to: null }, null), null);
    assert.equal(closeRange({ from: null, to: null }, { firstTs: null, lastTs: null }), null);
    assert.equal(closeRange({ from: T('2024-02-01T00:00:00Z'), to: null }, stored), null);
    assert.equal(closeRange({ from: null, to: T('2023-12-31T00:00:00Z') }, stored), null);
  });
});

describe('tiledBounds', () => {
  const first = Date.UTC(2024, 8, 6, 13, 27, 12, 345);
  const last = Date.UTC(2024, 9, 20, 4, 59, 42, 109);
  const closed = { from: first, to: last + 1 };

  it('all time: the whole months holding the first and the last stored event', () => {
    assert.deepEqual(tiledBounds({ from: null, to: null }, closed), {
      from: Date.UTC(2024, 8, 1),
      to: Date.UTC(2024, 10, 1),
    });
  });

  it('a range with an end given stays as closed (its open end is not moved past the data)', () => {
    assert.deepEqual(tiledBounds({ from: first, to: null }, closed), closed);
    assert.deepEqual(tiledBounds({ from: null, to: last }, { from: first, to: last }), {
      from: first,
      to: last,
    });
    assert.deepEqual(tiledBounds({ from: first, to: last }, { from: first, to: last }), {
      from: first,
      to: last,
    });
  });

  it('a last event just before a month boundary keeps all time within its month', () => {
    const atMonthEnd = Date.UTC(2024, 8, 30, 23, 59, 59, 999);
    assert.deepEqual(tiledBounds({ from: null, to: null }, { from: first, to: atMonthEnd + 1 }), {
      from: Date.UTC(2024, 8, 1),
      to: Date.UTC(2024, 9, 1),
    });
  });
});
