import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionKey } from '../../../src/events/index.ts';
import { PendingCommits } from '../../../src/ingest/pending-commits.ts';

const at = (partition: number, offset: number) => ({ topic: 't', partition, offset, leaderEpoch: 3 });
const key = (partition: number) => partitionKey('t', partition);
const next = (plan: { partition: number; offset: bigint }[]) =>
  Object.fromEntries(plan.map((c) => [c.partition, Number(c.offset)]));

test('what was stored stays due, per partition at its highest offset, until a commit covers it', () => {
  const due = new PendingCommits();
  due.stored([at(0, 99), at(1, 49)]);
  due.stored([at(0, 80)]);
  assert.deepEqual(next(due.plan({ marks: {} })), { 0: 100, 1: 50 });
  // The commit failed: nothing settles, both stay due; the next batch adds to them.
  due.stored([at(1, 149)]);
  const plan = due.plan({ marks: {} });
  assert.deepEqual(next(plan), { 0: 100, 1: 150 });
  assert.equal(plan[0]!.leaderEpoch, 3);
  due.settle(plan);
  assert.equal(due.size, 0);
});

test('a commit reaches past what the store holds: the mark another member stored to', () => {
  const due = new PendingCommits();
  due.stored([at(0, 99), at(1, 99)]);
  assert.deepEqual(next(due.plan({ marks: { [key(0)]: 149, [key(1)]: 50 } })), { 0: 150, 1: 100 });
});

test('without marks, only what is above the group offset is committed, and the rest is settled', () => {
  const due = new PendingCommits();
  due.stored([at(0, 99), at(1, 99)]);
  const plan = due.plan({ committed: new Map([['t', [150n, 20n]]]) });
  assert.deepEqual(next(plan), { 1: 100 });
  assert.equal(due.size, 1, 'partition 0 is already committed past it');
});

test('a settle covers only what it committed: a partition stored further meanwhile stays due', () => {
  const due = new PendingCommits();
  due.stored([at(0, 99)]);
  const plan = due.plan({ marks: {} });
  due.stored([at(0, 199)]);
  due.settle(plan);
  assert.deepEqual(next(due.plan({ marks: {} })), { 0: 200 });
});

test('partitions this member no longer owns are forgotten, never committed from here', () => {
  const due = new PendingCommits();
  due.stored([at(0, 9), at(1, 9), at(2, 9)]);
  assert.equal(due.keepOnly(new Set([key(1)])), 2);
  assert.deepEqual(next(due.plan({ marks: {} })), { 1: 10 });
  assert.equal(due.keepOnly(new Set()), 1);
  assert.equal(due.size, 0);
});
