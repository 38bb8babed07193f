import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addCounts,
  ByteReader,
  ByteWriter,
  countIds,
  countsBetween,
  decodeChunkTops,
  decodeCounts,
  decodeMinuteEvents,
  encodeMinuteCodes,
  decodeSeries,
  decodeTop,
  encodeChunkTops,
  encodeCounts,
  encodeMinuteEvents,
  encodeSeries,
  encodeTop,
  mergeMinuteEvents,
  minuteEvents,
  topOf,
} from '../../../src/sketch/index.ts';
import { decodeDeviceDetails, encodeDeviceDetails } from '../../../src/store/device-details.ts';

const histogram = (ids: readonly number[]) => {
  const m = new Map<number, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return [...m].sort((a, b) => a[0] - b[0]);
};
const pairs = (v: { ids: Uint32Array; counts: Uint32Array }) => [...v.ids].map((id, i) => [id, v.counts[i]!]);

describe('varints', () => {
  it('round-trip every safe non-negative integer', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER })), (values) => {
        const w = new ByteWriter(1);
        for (const v of values) w.uint(v);
        const r = new ByteReader(w.finish());
        assert.deepEqual(
          values.map(() => r.uint()),
          values,
        );
        assert.ok(r.done);
      }),
    );
  });

  it('refuse truncated input with STORE_CORRUPT', () => {
    assert.throws(() => new ByteReader(Uint8Array.of(0x80)).uint(), { code: 'STORE_CORRUPT' });
  });
});

describe('count vectors', () => {
  const ids = fc.array(fc.nat({ max: 300_000 }), { maxLength: 300 });

  it('count ids, add, and round-trip through bytes', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const va = countIds(a);
        assert.deepEqual(pairs(va), histogram(a));
        assert.deepEqual(pairs(decodeCounts(encodeCounts(va))), histogram(a));
        assert.deepEqual(pairs(addCounts(va, countIds(b))), histogram([...a, ...b]));
      }),
    );
  });

  it('keep the top entries by count, ties by id, and bound the rest by a threshold', () => {
    const v = countIds([5, 5, 5, 9, 9, 1, 1, 7, 3]);
    const top = topOf(v, 2);
    assert.deepEqual([...top.ids], [5, 1]);
    assert.deepEqual([...top.counts], [3, 2]);
    assert.equal(top.threshold, 2, '9 also has 2 and was left out');
    assert.deepEqual(decodeTop(encodeTop(top)), top);
    assert.equal(topOf(v, 10).threshold, 0, 'nothing left out');
  });

  it("round-trip a head's top lists by chunk, ascending whatever the order given", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 70_000 }), { maxLength: 20 }), ids, (chunks, listed) => {
        const tops = new Map(chunks.map((c, i) => [c, encodeTop(topOf(countIds(listed.slice(i)), 5))]));
        const decoded = decodeChunkTops(encodeChunkTops(tops));
        assert.deepEqual(
          [...decoded.keys()],
          [...chunks].sort((a, b) => a - b),
        );
        for (const [c, bytes] of decoded) assert.deepEqual(decodeTop(bytes), decodeTop(tops.get(c)!));
      }),
    );
  });
});

describe('series', () => {
  it('round-trip events and distinct devices per child bucket', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 }), (children) => {
        const series = { events: children.map((c) => c[0]), unique: children.map((c) => c[1]) };
        assert.deepEqual(decodeSeries(encodeSeries(series)), series);
      }),
    );
  });

  it('refuse truncated input with STORE_CORRUPT', () => {
    const bytes = encodeSeries({ events: [300, 2], unique: [1, 1] });
    assert.throws(() => decodeSeries(bytes.subarray(0, 3)), { code: 'STORE_CORRUPT' });
  });
});

describe('minute events', () => {
  const events = fc.array(
    fc.record({
      ms: fc.nat({ max: 59_999 }),
      id: fc.nat({ max: 1_000_000 }),
      // Few codes (repeats within a millisecond and device), and any integer.
      code: fc.oneof(fc.constantFrom(0, 200, 404, 500), fc.maxSafeInteger(), fc.integer()),
    }),
    { maxLength: 200 },
  );

  it('round-trip, merge in any order, and count any part of the minute exactly, for any code', () => {
    fc.assert(
      fc.property(events, events, fc.nat({ max: 60_000 }), fc.nat({ max: 60_000 }), (a, b, x, y) => {
        const merged = mergeMinuteEvents(minuteEvents(a), minuteEvents(b));
        assert.deepEqual(merged, minuteEvents([...b, ...a]), 'the order is a function of the content');
        const back = decodeMinuteEvents(encodeMinuteEvents(merged), encodeMinuteCodes(merged.codes!));
        assert.deepEqual(back, merged);
        const [from, to] = x <= y ? [x, y] : [y, x];
        const inside = [...a, ...b].filter((e) => e.ms >= from && e.ms < to);
        assert.deepEqual(pairs(countsBetween(back, from, to)), histogram(inside.map((e) => e.id)));
        const code = inside[0]?.code ?? 404;
        assert.deepEqual(
          pairs(countsBetween(back, from, to, code)),
          histogram(inside.filter((e) => e.code === code).map((e) => e.id)),
        );
      }),
    );
  });

  it('a minute stored before codes were kept has unknown codes, and counts nothing by code', () => {
    const stored = minuteEvents([{ ms: 5, id: 1, code: 500 }]);
    const old = decodeMinuteEvents(encodeMinuteEvents(stored));
    assert.equal(old.codes, null);
    assert.deepEqual(pairs(countsBetween(old, 0, 60_000, 500)), []);
    assert.equal(mergeMinuteEvents(old, stored).codes, null);
  });
});

describe('device details', () => {
  it('round-trip addresses, counts, times before 1970 and any integer error code', () => {
    const detail = fc.record({
      ip: fc.oneof(fc.ipV4(), fc.ipV6()),
      events: fc.nat(),
      first: fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), // years 0000-9999
      span: fc.nat({ max: 10 * 86_400_000 }),
      codes: fc.array(fc.tuple(fc.maxSafeInteger(), fc.nat()), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 255 }), detail), { maxLength: 20 }), (entries) => {
        const slots = new Map(
          entries.map(([slot, d]) => [
            slot,
            { ip: d.ip, events: d.events, first: d.first, last: d.first + d.span, codes: new Map(d.codes) },
          ]),
        );
        assert.deepEqual(decodeDeviceDetails(encodeDeviceDetails(slots)), slots);
      }),
    );
  });
});
