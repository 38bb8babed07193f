import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compatibilityPartitioner } from '@platformatic/kafka';
import fc from 'fast-check';
import { keyPartitioner, murmur2 } from '../../../src/kafka/partitioner.ts';

// Kafka's Java clients map a key to murmur2(key) & 0x7fffffff modulo the partitions: the same
// device must land on the same partition whichever client produced it.

test("murmur2 gives the Java client's values", () => {
  // org.apache.kafka.common.utils.UtilsTest.testMurmur2
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of cases) assert.equal(murmur2(Buffer.from(key)), hash, key);
});

test("the partition of a key is the client library's, for keys of every length", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const key = Buffer.from(bytes);
      assert.equal(keyPartitioner(undefined, key), compatibilityPartitioner(undefined as never, key));
    }),
    { numRuns: 500 },
  );
});
