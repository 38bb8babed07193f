import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BulkWriteResult, MongoBulkWriteError, MongoNetworkError, type WriteError } from 'mongodb';
import { duplicateKeyCount } from '../../../src/store/write-errors.ts';
import { isRetriableStoreError, isUnreachableStoreError } from '../../../src/store/index.ts';

// The driver's own shapes (its constructor is internal): what an unordered insertMany throws when
// the connection closes under it, and when some documents already exist. The result object is
// not read by the code under test.
const result = {} as BulkWriteResult;

test('a bulk insert cut off by a closed connection is neither a success nor final: it is retried', () => {
  const closed = new MongoBulkWriteError(
    new MongoNetworkError('connection 1 to 127.0.0.1:27117 closed'),
    result,
  );
  assert.deepEqual(closed.writeErrors, []);
  assert.equal(duplicateKeyCount(closed), undefined, 'not "all written, zero duplicates"');
  assert.equal(isRetriableStoreError(closed), true);
  assert.equal(isUnreachableStoreError(closed), true, 'the store was not reached');
});

test('a bulk insert whose only failures are duplicate keys counts them and is not retried', () => {
  // Only their codes are read; WriteError itself is not exported at run time.
  const writeErrors = [0, 3].map((index) => ({ index, code: 11000 })) as unknown as WriteError[];
  const duplicates = new MongoBulkWriteError(
    { message: 'E11000 duplicate key', code: 11000, writeErrors },
    result,
  );
  assert.equal(duplicateKeyCount(duplicates), 2);
  assert.equal(isRetriableStoreError(duplicates), false);
  assert.equal(isUnreachableStoreError(duplicates), false, 'the store answered');
});
