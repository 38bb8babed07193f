import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors/errors.ts';
import { DAY_MS, parseRange, requireSpanAtMost, timeFilter } from '../../src/query/range.ts';
import { approxPlan } from '../../src/query/unique-ips.ts';

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

describe('requireSpanAtMost', () => {
  it('counts an open start as infinite and an open end as reaching now', () => {
    const now = T('2024-02-01T00:00:00Z');
    requireSpanAtMost({ from: T('2024-01-01T00:00:00Z'), to: null }, 31 * DAY_MS, '', now);
    assert.throws(
      () => requireSpanAtMost({ from: T('2023-12-31T23:59:59Z'), to: null }, 31 * DAY_MS, '', now),
      (e: unknown) => e instanceof ValidationError && e.code === 'RANGE_TOO_WIDE',
    );
    assert.throws(() => requireSpanAtMost({ from: null, to: now }, 31 * DAY_MS, '', now), {
      code: 'RANGE_TOO_WIDE',
    });
  });
});

describe('timeFilter', () => {
  it('builds Dates for the given ends only', () => {
    assert.deepEqual(timeFilter('ts', { from: 0, to: null }), { ts: { $gte: new Date(0) } });
    assert.deepEqual(timeFilter('ts', { from: null, to: 5 }), { ts: { $lt: new Date(5) } });
    assert.deepEqual(timeFilter('ts', { from: null, to: null }), {});
  });
});

describe('approxPlan', () => {
  const ranges = (list: { from: number | null; to: number | null }[]) =>
    list.map((r) => [
      r.from === null ? null : new Date(r.from).toISOString(),
      r.to === null ? null : new Date(r.to).toISOString(),
    ]);

  it('uses hours inside and minutes at both edges, widened to whole minutes', () => {
    const plan = approxPlan({ from: T('2024-09-18T10:15:30Z'), to: T('2024-09-18T13:20:00.001Z') });
    assert.deepEqual(ranges(plan.hours), [['2024-09-18T11:00:00.000Z', '2024-09-18T13:00:00.000Z']]);
    assert.deepEqual(ranges(plan.minutes), [
      ['2024-09-18T10:15:00.000Z', '2024-09-18T11:00:00.000Z'],
      ['2024-09-18T13:00:00.000Z', '2024-09-18T13:21:00.000Z'],
    ]);
    assert.deepEqual(ranges([plan.covered]), [['2024-09-18T10:15:00.000Z', '2024-09-18T13:21:00.000Z']]);
  });

  it('needs no minutes for whole hours, and no hours within one hour', () => {
    const whole = approxPlan({ from: T('2024-09-18T10:00:00Z'), to: T('2024-09-18T12:00:00Z') });
    assert.deepEqual(ranges(whole.hours), [['2024-09-18T10:00:00.000Z', '2024-09-18T12:00:00.000Z']]);
    assert.deepEqual(whole.minutes, []);
    const inside = approxPlan({ from: T('2024-09-18T10:05:00Z'), to: T('2024-09-18T10:50:00Z') });
    assert.deepEqual(inside.hours, []);
    assert.deepEqual(ranges(inside.minutes), [['2024-09-18T10:05:00.000Z', '2024-09-18T10:50:00.000Z']]);
    const across = approxPlan({ from: T('2024-09-18T10:05:00Z'), to: T('2024-09-18T11:10:00Z') });
    assert.deepEqual(across.hours, []);
    assert.deepEqual(ranges(across.minutes), [['2024-09-18T10:05:00.000Z', '2024-09-18T11:10:00.000Z']]);
  });

  it('keeps open ends open', () => {
    const plan = approxPlan({ from: T('2024-09-18T10:05:00Z'), to: null });
    assert.deepEqual(ranges(plan.hours), [['2024-09-18T11:00:00.000Z', null]]);
    assert.deepEqual(ranges(plan.minutes), [['2024-09-18T10:05:00.000Z', '2024-09-18T11:00:00.000Z']]);
    const before = approxPlan({ from: null, to: T('2024-09-18T10:05:00Z') });
    assert.deepEqual(ranges(before.hours), [[null, '2024-09-18T10:00:00.000Z']]);
    assert.deepEqual(ranges(before.minutes), [['2024-09-18T10:00:00.000Z', '2024-09-18T10:05:00.000Z']]);
  });
});
