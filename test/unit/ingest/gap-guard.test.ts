import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coversFromCommitted } from '../../../src/ingest/gap-guard.ts';

test('a batch that holds every offset from the committed one may be stored', () => {
  assert.equal(coversFromCommitted(100n, -1, [100, 101, 102], 102), true);
  assert.equal(coversFromCommitted(100n, -1, [102, 100, 101, 101], 102), true, 'in any order, repeated');
  assert.equal(
    coversFromCommitted(100n, -1, [98, 99, 100, 101], 101),
    true,
    'records below it do not matter',
  );
});

test('a batch that starts past the committed offset, or skips one, may not be', () => {
  assert.equal(coversFromCommitted(100n, -1, [101, 102], 102), false);
  assert.equal(coversFromCommitted(100n, -1, [100, 102], 102), false);
  assert.equal(coversFromCommitted(0n, -1, [200, 201], 201), false);
});

test('a partition the group never committed is never covered', () => {
  assert.equal(coversFromCommitted(-1n, -1, [0, 1, 2], 2), false);
});

test('a committed offset past the batch leaves nothing to cover', () => {
  assert.equal(coversFromCommitted(300n, -1, [100, 101], 101), true);
});

test('records the store applied count as held, whatever the group committed', () => {
  // A member stored 100..149 and lost the partition before committing: the group is at 100.
  assert.equal(coversFromCommitted(100n, 149, [150, 151], 151), true);
  assert.equal(coversFromCommitted(100n, 149, [151], 151), false, 'a gap after what was applied');
  assert.equal(coversFromCommitted(-1n, 49, [50, 51], 51), true, 'applied but never committed');
  assert.equal(coversFromCommitted(100n, 20, [100, 101], 101), true, 'the committed offset still counts');
});
