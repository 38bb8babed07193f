import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../../../src/errors/index.ts';
import { hashBytes64, hashString64, HyperLogLog } from '../../../src/sketch/hll.ts';

// The precision the tests default to: 16 KiB of registers, 0.81% standard error.
const P14 = 14;

/** Distinct canonical addresses, a fifth of them IPv6, the same for every run. */
function ips(n: number, offset = 0): string[] {
  const out: string[] = [];
  for (let k = offset; k < offset + n; k++) {
    if (k % 5 === 4) out.push(`2001:db8:${(k >>> 16).toString(16)}::${(k & 0xffff).toString(16)}`);
    else out.push(`10.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`);
  }
  return out;
}

function sketchOf(values: Iterable<string>, p = P14): HyperLogLog {
  const h = new HyperLogLog(p);
  for (const v of values) h.add(v);
  return h;
}

function assertInvalid(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// xxHash64 against the reference implementation.

/** Values of XXH64(utf8(s), seed 0) computed with libxxhash 0.8.1. */
const XXH64_VECTORS: ReadonlyArray<readonly [string, string]> = [
  ['', 'ef46db3751d8e999'],
  ['a', 'd24ec4f1a98c6e5b'],
  ['abc', '44bc2cf5ad770999'],
  ['1.2.3.4', 'c2a930683c53389c'],
  ['255.255.255.255', '763a1881b949ee53'],
  ['2001:db8::1', '26c33ef1c67e1031'],
  ['::', 'c3b5fc02cdc369c1'],
  ['abcdefgh', '3ad351775b4634b7'],
  ['0123456789abcdef0123456789abcdef', '642a94958e71e6c5'],
  ['héllo wörld ✓ 🎉', '50f118ce33300c8c'],
  ['::ffff:192.168.100.200', '2f832e47bc3ca5a0'],
];

const MASK64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

/** A direct BigInt transcription of the xxHash64 specification, as an independent oracle. */
function referenceXxh64(b: Uint8Array): bigint {
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK64;
  const u64 = (i: number): bigint => {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!);
    return v;
  };
  const u32 = (i: number): bigint =>
    BigInt((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
  const round = (acc: bigint, input: bigint): bigint =>
    (rotl((acc + input * P2) & MASK64, 31n) * P1) & MASK64;
  const mergeRound = (acc: bigint, v: bigint): bigint => ((acc ^ round(0n, v)) * P1 + P4) & MASK64;
  let i = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (P1 + P2) & MASK64;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK64;
    while (i + 32 <= b.length) {
      v1 = round(v1, u64(i));
      v2 = round(v2, u64(i + 8));
      v3 = round(v3, u64(i + 16));
      v4 = round(v4, u64(i + 24));
      i += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK64;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(b.length)) & MASK64;
  for (; i + 8 <= b.length; i += 8) h = (rotl(h ^ round(0n, u64(i)), 27n) * P1 + P4) & MASK64;
  if (i + 4 <= b.length) {
    h = (rotl(h ^ ((u32(i) * P1) & MASK64), 23n) * P2 + P3) & MASK64;
    i += 4;
  }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i]!) * P5) & MASK64), 11n) * P1) & MASK64;
  h ^= h >> 33n;
  h = (h * P2) & MASK64;
  h ^= h >> 29n;
  h = (h * P3) & MASK64;
  h ^= h >> 32n;
  return h;
}

describe('xxHash64', () => {
  for (const [input, hex] of XXH64_VECTORS) {
    it(`hashes ${JSON.stringify(input)} like libxxhash`, () => {
      assert.equal(hashString64(input).toString(16).padStart(16, '0'), hex);
    });
  }

  it('matches the BigInt transcription of the specification on random bytes (all length paths)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), (bytes) => {
        assert.equal(hashBytes64(bytes), referenceXxh64(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes a string as its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        assert.equal(hashString64(s), hashBytes64(new TextEncoder().encode(s)));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('HyperLogLog', () => {
  for (const n of [0, 1, 10, 1000, 50_000, 300_000]) {
    it(`estimates ${n} distinct addresses within 3 standard errors`, () => {
      const h = sketchOf(ips(n));
      // Duplicates must not count.
      for (const ip of ips(Math.min(n, 1000))) h.add(ip);
      const estimate = h.estimate();
      const tolerance = 3 * h.relativeError * n;
      assert.ok(
        Math.abs(estimate - n) <= tolerance,
        `estimate ${estimate} for ${n} is off by more than ${tolerance}`,
      );
    });
  }

  it('is accurate at other precisions too', () => {
    for (const p of [4, 10, 16]) {
      const h = sketchOf(ips(20_000, 7), p);
      assert.ok(Math.abs(h.estimate() - 20_000) <= 3 * h.relativeError * 20_000, `p=${p}: ${h.estimate()}`);
    }
  });

  it('reports its standard error as 1.04/sqrt(m)', () => {
    assert.equal(new HyperLogLog(P14).relativeError, 1.04 / 128);
    assert.equal(new HyperLogLog(4).relativeError, 1.04 / 4);
    assert.equal(new HyperLogLog(P14).m, 16384);
  });

  it('add returns whether a register changed', () => {
    const h = new HyperLogLog(P14);
    assert.equal(h.add('192.0.2.1'), true);
    assert.equal(h.add('192.0.2.1'), false);
  });

  it('refuses a bad precision with a coded error', () => {
    for (const p of [3, 17, 14.5, Number.NaN])
      assertInvalid(() => new HyperLogLog(p), 'HLL_PRECISION_INVALID');
  });

  it('merge of two sketches equals the sketch of the union', () => {
    const a = ips(30_000, 0);
    const b = ips(30_000, 20_000); // overlaps a by 10 000
    const merged = sketchOf(a).merge(sketchOf(b));
    assert.deepEqual(merged.toBytes(), sketchOf([...a, ...b]).toBytes());
    assert.ok(Math.abs(merged.estimate() - 50_000) <= 3 * merged.relativeError * 50_000);
  });

  it('merge is idempotent and commutative (property)', () => {
    const setArb = fc.array(fc.ipV4(), { maxLength: 300 });
    fc.assert(
      fc.property(setArb, setArb, (xs, ys) => {
        const ab = sketchOf(xs).merge(sketchOf(ys)).toBytes();
        const ba = sketchOf(ys).merge(sketchOf(xs)).toBytes();
        assert.deepEqual(ab, ba);
        const twice = sketchOf(xs).merge(sketchOf(ys)).merge(sketchOf(ys)).toBytes();
        assert.deepEqual(twice, ab);
        const self = sketchOf(xs);
        assert.deepEqual(self.merge(self.clone()).toBytes(), sketchOf(xs).toBytes());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to merge sketches of different precision', () => {
    assertInvalid(() => new HyperLogLog(14).merge(new HyperLogLog(12)), 'HLL_PRECISION_MISMATCH');
  });

  it('round-trips through bytes, sparse while small and dense once large', () => {
    const empty = new HyperLogLog(P14);
    assert.deepEqual(empty.toBytes(), Uint8Array.of(2, 14));
    assert.equal(HyperLogLog.fromBytes(empty.toBytes()).estimate(), 0);

    const small = sketchOf(ips(100));
    const smallBytes = small.toBytes();
    assert.equal(smallBytes[0], 2);
    assert.ok(smallBytes.length <= 2 + 3 * 100);
    assert.deepEqual(HyperLogLog.fromBytes(smallBytes).toBytes(), smallBytes);
    assert.equal(HyperLogLog.fromBytes(smallBytes).estimate(), small.estimate());

    const large = sketchOf(ips(50_000));
    const largeBytes = large.toBytes();
    assert.equal(largeBytes[0], 1);
    assert.equal(largeBytes.length, 2 + 16384);
    const back = HyperLogLog.fromBytes(Buffer.from(largeBytes), 14);
    assert.equal(back.p, 14);
    assert.equal(back.estimate(), large.estimate());
  });

  it('round-trips any sketch (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.ipV6(), { maxLength: 2000 }), fc.integer({ min: 4, max: 16 }), (xs, p) => {
        const h = sketchOf(xs, p);
        const back = HyperLogLog.fromBytes(h.toBytes());
        assert.deepEqual(back.toBytes(), h.toBytes());
        assert.equal(back.estimate(), h.estimate());
      }),
      { numRuns: 100 },
    );
  });

  it('fromBytes refuses malformed input with a coded error', () => {
    const dense = sketchOf(ips(20_000)).toBytes();
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['header only half', Uint8Array.of(1)],
      ['unknown encoding', Uint8Array.of(9, 14)],
      ['precision too small', Uint8Array.of(2, 3)],
      ['precision too large', Uint8Array.of(2, 17)],
      ['dense too short', dense.subarray(0, dense.length - 1)],
      ['dense too long', Uint8Array.of(...dense, 0)],
      ['dense rank above 65 - p', Uint8Array.of(1, 4, 62, ...new Array<number>(15).fill(0))],
      ['sparse partial entry', Uint8Array.of(2, 14, 0, 1)],
      ['sparse unsorted', Uint8Array.of(2, 14, 0, 5, 1, 0, 4, 1)],
      ['sparse duplicate', Uint8Array.of(2, 14, 0, 5, 1, 0, 5, 2)],
      ['sparse index beyond m', Uint8Array.of(2, 4, 0, 16, 1)],
      ['sparse zero rank', Uint8Array.of(2, 14, 0, 1, 0)],
      ['sparse rank above 65 - p', Uint8Array.of(2, 14, 0, 1, 52)],
    ];
    for (const [name, bytes] of cases) {
      assert.throws(
        () => HyperLogLog.fromBytes(bytes),
        (error: unknown) => error instanceof ValidationError && error.code === 'HLL_BYTES_INVALID',
        name,
      );
    }
    assertInvalid(() => HyperLogLog.fromBytes('nope' as unknown as Uint8Array), 'HLL_BYTES_INVALID');
    assertInvalid(() => HyperLogLog.fromBytes(dense, 12), 'HLL_PRECISION_MISMATCH');
    // The largest valid rank is accepted.
    assert.equal(HyperLogLog.fromBytes(Uint8Array.of(2, 14, 0, 1, 51)).toBytes()[4], 51);
  });
});
