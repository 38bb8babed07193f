import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coversFromCommitted } from '../../src/ingest/gap-guard.ts';

test('a batch that holds every offset from the committed one may be stored', () => {
  assert.equal(coversFromCommitted(100n, [100, 101, 102], 102), true);
  assert.equal(coversFromCommitted(100n, [102, 100, 101, 101], 102), true, 'in any order, repeated');
  assert.equal(coversFromCommitted(100n, [98, 99, 100, 101], 101), true, 'records below it do not matter');
});

test('a batch that starts past the committed offset, or skips one, may not be', () => {
  assert.equal(coversFromCommitted(100n, [101, 102], 102), false);
  assert.equal(coversFromCommitted(100n, [100, 102], 102), false);
  assert.equal(coversFromCommitted(0n, [200, 201], 201), false);
});

test('a partition the group never committed is never covered', () => {
  assert.equal(coversFromCommitted(-1n, [0, 1, 2], 2), false);
});

test('a committed offset past the batch leaves nothing to cover', () => {
  assert.equal(coversFromCommitted(300n, [100, 101], 101), true);
});
