import assert from 'node:assert/strict';
import { type Db, MongoClient } from 'mongodb';
import { RoaringBitmap32 } from 'roaring-wasm';
import type { Config } from '../../src/config/index.ts';
import {
  decodeChunkTops,
  decodeCodeEntries,
  decodeCounts,
  decodeMinuteEvents,
  decodeSeries,
  decodeTop,
  HyperLogLog,
  loadBitmaps,
} from '../../src/sketch/index.ts';
import { partitionKey } from '../../src/events/index.ts';
import { RecordLogView } from '../../src/store/decisions.ts';
import { decodeDeviceDetails, type Guarded, storedEvents } from '../../src/store/index.ts';
import {
  ALL_TIME_ID,
  LATEST_DEAD_LETTERS_ID,
  DEVICE_CHUNK_BITS,
  type Level,
  SUMMARY_LEVELS,
  TOTALS_ID,
  bucketEnd,
  bucketId,
  bucketStart,
  childCount,
  childIndex,
  CODE_SERIES_LEVELS,
  countsId,
  codePage,
  errorsId,
  errorsPageId,
  idChunk,
  minuteSecondId,
  hllId,
  setId,
  CHILD_LEVEL,
} from '../../src/store/levels.ts';
import { LATEST_DEAD_LETTERS } from '../../src/store/rollup-plan.ts';
import {
  COLLECTIONS,
  HLL_PRECISION,
  type CountsDoc,
  type DeviceDoc,
  type DeviceStatsDoc,
  type ErrorsDoc,
  type HeadDoc,
  type HllDoc,
  type LatestDeadLettersDoc,
  type MinuteDoc,
  type SetDoc,
  type StoredLogDoc,
  type TotalsDoc,
} from '../../src/store/schema.ts';

export async function withDb<T>(config: Config, body: (db: Db) => Promise<T>): Promise<T> {
  const client = new MongoClient(config.mongo.uri);
  try {
    return await body(client.db(config.mongo.db));
  } finally {
    await client.close();
  }
}

interface Ev {
  ts: number;
  ip: string;
  code: number;
  n: number;
}

function bitmapIds(bytes: Uint8Array): number[] {
  const b = RoaringBitmap32.deserialize(bytes, 'portable');
  try {
    return [...b.toUint32Array()];
  } finally {
    b.dispose();
  }
}

function histogram(events: readonly Ev[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const e of events) counts.set(e.n, (counts.get(e.n) ?? 0) + 1);
  return counts;
}

/** The earliest and latest of a list of times (no spread: a million arguments overflow the stack). */
function span(times: Iterable<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return { min, max };
}

/** A bucket's top lists must show true counts, and no device left out may exceed the threshold. */
function assertTops(where: string, head: HeadDoc, counts: Map<number, number>): void {
  const byChunk = new Map<number, Map<number, number>>();
  for (const [n, c] of counts) {
    const chunk = byChunk.get(idChunk(n)) ?? new Map<number, number>();
    chunk.set(n, c);
    byChunk.set(idChunk(n), chunk);
  }
  const tops = decodeChunkTops(head.tops.buffer);
  assert.deepEqual(
    [...tops.keys()],
    [...byChunk.keys()].sort((a, b) => a - b),
    `${where}: a top list per id chunk with events, ascending`,
  );
  for (const [n, bytes] of tops) {
    const top = decodeTop(bytes);
    const chunk = byChunk.get(n)!;
    top.ids.forEach((n, i) =>
      assert.equal(top.counts[i], chunk.get(n), `${where}: listed count of device ${n}`),
    );
    const listed = new Set(top.ids);
    for (const [n, c] of chunk) {
      if (!listed.has(n))
        assert.ok(c <= top.threshold, `${where}: device ${n} (${c}) above threshold ${top.threshold}`);
    }
  }
}

/**
 * The read model must equal a recount from the events themselves, document by document: every
 * minute's events, every hour's, day's and month's bitmap, per-device counts, HyperLogLog, series
 * and top lists, the all-time counts, every device's details, and the totals. A record applied
 * twice or never shows up here, even when errors in two buckets would cancel out in a sum.
 */
export async function assertRollupsMatchEvents(db: Db): Promise<void> {
  await loadBitmaps();
  const registry = new Map<string, number>();
  const holders = new Map<number, string>();
  for await (const d of db.collection<DeviceDoc>(COLLECTIONS.devices).find()) {
    const other = holders.get(d.n);
    assert.equal(other, undefined, `device id ${d.n} is held by ${d._id} and by ${other}`);
    holders.set(d.n, d._id);
    registry.set(d._id, d.n);
  }
  const events: Ev[] = [];
  const eventIds: { id: string; topic: string; partition: number; offset: number }[] = [];
  const seen = new Set<string>();
  for await (const e of storedEvents(db)) {
    const n = registry.get(e.ip);
    assert.ok(n !== undefined, `device ${e.ip} is registered`);
    assert.ok(!seen.has(e.id), `event ${e.id} is stored once`);
    seen.add(e.id);
    events.push({ ts: e.ts.getTime(), ip: e.ip, code: e.errorCode, n });
    eventIds.push({ id: e.id, topic: e.topic, partition: e.partition, offset: e.offset });
  }
  const ips = new Set(events.map((e) => e.ip));
  assert.equal(registry.size, ips.size, 'one registered device per distinct address among events');
  const rollups = new Map<string, unknown>();
  for await (const d of db.collection<{ _id: string }>(COLLECTIONS.rollups).find()) rollups.set(d._id, d);
  const get = <D>(id: string) => rollups.get(id) as D | undefined;

  const deadLetterDocs = await db
    .collection<{ _id: string; topic: string; partition: number; offset: number }>(COLLECTIONS.deadLetters)
    .find({}, { projection: { topic: 1, partition: 1, offset: 1 } })
    .toArray();
  const deadLetterIds = new Set(deadLetterDocs.map((d) => d._id));
  const deadLetters = deadLetterIds.size;
  const totals = get<TotalsDoc>(TOTALS_ID);
  assert.equal(totals?.events ?? 0, events.length, 'totals: events');
  assert.equal(totals?.devices ?? 0, ips.size, 'totals: devices');
  assert.equal(totals?.deadLetters ?? 0, deadLetters, 'totals: dead letters');
  const latest = get<LatestDeadLettersDoc>(LATEST_DEAD_LETTERS_ID)?.ids ?? [];
  // As many as exist, up to the bound, unless replays took some out (the ring is not refilled).
  assert.ok(latest.length <= Math.min(deadLetters, LATEST_DEAD_LETTERS), 'latest dead letters: how many');
  assert.equal(new Set(latest).size, latest.length, 'latest dead letters: each once');
  for (const id of latest) assert.ok(deadLetterIds.has(id), `listed dead letter ${id} exists`);
  const expected = new Set<string>([TOTALS_ID, LATEST_DEAD_LETTERS_ID]);
  assertRecordLogs(rollups, eventIds, deadLetterDocs, expected);
  if (events.length === 0) return;
  const times = span(events.map((e) => e.ts));
  assert.equal(totals!.firstTs!.getTime(), times.min, 'totals: first event');
  assert.equal(totals!.lastTs!.getTime(), times.max, 'totals: last event');

  const group = (level: Level) => {
    const buckets = new Map<number, Ev[]>();
    for (const e of events) {
      const start = bucketStart(level, e.ts);
      const list = buckets.get(start) ?? [];
      list.push(e);
      buckets.set(start, list);
    }
    return buckets;
  };
  const minutes = group('minute');
  for (const [start, list] of minutes) {
    const id = bucketId('minute', start);
    const doc = get<MinuteDoc>(id);
    assert.ok(doc, `${id} exists`);
    expected.add(id);
    // A busy minute keeps its further events in a document per second.
    const parts = [doc];
    if (doc.seconds === true) {
      for (let second = 0; second < 60; second++) {
        const part = get<MinuteDoc>(minuteSecondId(id, second));
        if (part === undefined) continue;
        parts.push(part);
        expected.add(part._id);
      }
    }
    const got: string[] = [];
    for (const part of parts) {
      const detail = decodeMinuteEvents(part.detail.buffer, part.codes?.buffer);
      assert.ok(detail.codes, `${part._id}: keeps its events' codes`);
      detail.ms.forEach((ms, i) => got.push(`${ms}/${detail.ids[i]}/${detail.codes![i]}`));
    }
    const want = list.map((e) => `${e.ts - start}/${e.n}/${e.code}`).sort();
    assert.deepEqual(got.sort(), want, `${id}: its events (time, device and code)`);
    assert.equal(doc.events, list.length, `${id}: events`);
    const devices = [...new Set(list.map((e) => e.n))].sort((a, b) => a - b);
    assert.equal(doc.unique, devices.length, `${id}: distinct devices`);
    if (doc.seconds === true) {
      assert.deepEqual(bitmapIds(doc.devices!.buffer), devices, `${id}: its devices`);
      const codes = decodeCodeEntries(doc.codeStats!.buffer);
      for (const [code, entry] of codes) {
        const mine = list.filter((e) => e.code === code);
        assert.equal(entry.events, mine.length, `${id}: events of code ${code}`);
        assert.deepEqual(
          bitmapIds(entry.devices),
          [...new Set(mine.map((e) => e.n))].sort((a, b) => a - b),
        );
      }
      assert.equal(codes.size, new Set(list.map((e) => e.code)).size, `${id}: its codes`);
    }
  }
  const unique = (list: readonly Ev[]) => new Set(list.map((e) => e.n)).size;
  for (const level of SUMMARY_LEVELS) {
    for (const [start, list] of group(level)) {
      const id = bucketId(level, start);
      const head = get<HeadDoc>(id);
      const set = get<SetDoc>(setId(id));
      const sketch = get<HllDoc>(hllId(id));
      assert.ok(head && set && sketch, `${id}, its set and its sketch exist`);
      expected.add(id).add(setId(id)).add(hllId(id));
      const counts = histogram(list);
      assert.equal(head.events, list.length, `${id}: events`);
      assert.equal(set.events, list.length, `${id}: events in its set document`);
      assert.equal(sketch.events, list.length, `${id}: events in its sketch document`);
      assert.equal(head.unique, counts.size, `${id}: distinct devices`);
      assert.deepEqual(
        bitmapIds(set.bitmap.buffer),
        [...counts.keys()].sort((a, b) => a - b),
        `${id}: bitmap`,
      );
      const hll = new HyperLogLog(HLL_PRECISION);
      for (const n of counts.keys()) hll.add(String(n));
      assert.deepEqual(
        [...sketch.hll.buffer],
        [...hll.toBytes()],
        `${id}: HyperLogLog equals one built from its devices`,
      );
      for (const chunk of new Set([...counts.keys()].map(idChunk))) {
        const doc = get<CountsDoc>(countsId(id, chunk));
        assert.ok(doc, `${countsId(id, chunk)} exists`);
        expected.add(countsId(id, chunk));
        const v = decodeCounts(doc.counts.buffer);
        const want = [...counts].filter(([n]) => idChunk(n) === chunk).sort((a, b) => a[0] - b[0]);
        assert.deepEqual(
          [...v.ids].map((n, i) => [n, v.counts[i]]),
          want,
          `${countsId(id, chunk)}: per-device counts`,
        );
      }
      assertTops(id, head, counts);
      const child = CHILD_LEVEL[level];
      const series = {
        events: new Array<number>(childCount(level, start)).fill(0),
        unique: new Array<number>(childCount(level, start)).fill(0),
      };
      for (let c = start; c < bucketEnd(level, start); c = bucketEnd(child, c)) {
        const inChild = list.filter((e) => bucketStart(child, e.ts) === c);
        series.events[childIndex(level, start, c)] = inChild.length;
        series.unique[childIndex(level, start, c)] = unique(inChild);
      }
      assert.deepEqual(decodeSeries(head.series!.buffer), series, `${id}: series of its ${child}s`);
      const errors = get<ErrorsDoc>(errorsId(id));
      const pages =
        errors?.pages === undefined
          ? []
          : Array.from({ length: errors.pages }, (_, page) => get<ErrorsDoc>(errorsPageId(id, page)));
      assertErrorCodes(id, level, start, list, errors, pages);
      expected.add(errorsId(id));
      pages.forEach((_, page) => expected.add(errorsPageId(id, page)));
    }
  }
  // The totals equal the sum of the buckets of any level: the months, say.
  const monthEvents = [...group('month').keys()].reduce(
    (sum, start) => sum + (get<HeadDoc>(bucketId('month', start))?.events ?? 0),
    0,
  );
  assert.equal(totals!.events, monthEvents, 'totals: events equal the sum of the months');
  const all = get<HeadDoc>(ALL_TIME_ID);
  assert.ok(all, 'the all-time head exists');
  assert.equal(totals!.devices, all.unique, 'totals: devices equal the all-time count');
  assert.deepEqual(
    (all.chunkDevices ?? []).reduce((a, b) => a + b, 0),
    all.unique,
    'all time: devices are the sum of its chunks',
  );
  expected.add(ALL_TIME_ID);
  const allCounts = histogram(events);
  assert.equal(all.events, events.length, 'all time: events');
  assert.equal(all.unique, ips.size, 'all time: devices');
  for (const chunk of new Set([...allCounts.keys()].map(idChunk))) {
    const doc = get<CountsDoc>(countsId(ALL_TIME_ID, chunk));
    assert.ok(doc, `${countsId(ALL_TIME_ID, chunk)} exists`);
    expected.add(countsId(ALL_TIME_ID, chunk));
    const v = decodeCounts(doc.counts.buffer);
    for (let i = 0; i < v.ids.length; i++)
      assert.equal(v.counts[i], allCounts.get(v.ids[i]!), `all time: device ${v.ids[i]}`);
    assert.equal(
      v.ids.length,
      [...allCounts.keys()].filter((n) => idChunk(n) === chunk).length,
      'all time: devices per chunk',
    );
  }
  assertTops('all time', all, allCounts);

  const stats = new Map<string, DeviceStatsDoc>();
  for (const d of await db.collection<DeviceStatsDoc>(COLLECTIONS.deviceStats).find().toArray())
    stats.set(d._id, d);
  const byDevice = new Map<string, Ev[]>();
  for (const e of events) {
    const list = byDevice.get(e.ip);
    if (list === undefined) byDevice.set(e.ip, [e]);
    else list.push(e);
  }
  for (const [ip, mine] of byDevice) {
    const n = mine[0]!.n;
    const doc = stats.get(`dev/${n >>> DEVICE_CHUNK_BITS}`);
    const detail = doc === undefined ? undefined : decodeDeviceDetails(doc.slots.buffer).get(n & 255);
    assert.ok(detail, `details of ${ip}`);
    assert.equal(detail.ip, ip, `device ${n} is ${ip}`);
    assert.equal(detail.events, mine.length, `events of ${ip}`);
    const seen = span(mine.map((e) => e.ts));
    assert.equal(detail.first, seen.min, `first seen of ${ip}`);
    assert.equal(detail.last, seen.max, `last seen of ${ip}`);
    const codes = new Map<number, number>();
    for (const e of mine) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    assert.deepEqual(detail.codes, codes, `error codes of ${ip}`);
  }
  // Every event lies in the offset range some hour's stored log names for its partition, which
  // is what retention deletes by.
  const stored = [...rollups.values()].filter((d) =>
    String((d as { _id: string })._id).startsWith('stored:'),
  ) as StoredLogDoc[];
  const rangesOf = new Map<string, { from: number; to: number }[]>();
  const replays = new Set<string>();
  for (const d of stored) {
    expected.add(d._id);
    for (const r of d.ranges) {
      const key = `${r.topic}/${r.partition}`;
      const ranges = rangesOf.get(key);
      if (ranges === undefined) rangesOf.set(key, [{ from: r.from, to: r.to }]);
      else ranges.push({ from: r.from, to: r.to });
    }
    for (const id of d.replays ?? []) replays.add(id);
  }
  for (const e of eventIds) {
    const covered =
      replays.has(e.id) ||
      (rangesOf.get(`${e.topic}/${e.partition}`) ?? []).some((r) => r.from <= e.offset && e.offset <= r.to);
    assert.ok(covered, `event ${e.id} is in a stored log`);
  }
  const extra = [...rollups.keys()].filter((id) => !expected.has(id));
  assert.deepEqual(extra, [], 'no rollup document without events behind it');
}

/**
 * Every stored record is in its record log, in the form it is stored in: an event document for a
 * record logged as an event (or replayed), a dead letter for one logged dead; never both.
 */
function assertRecordLogs(
  rollups: ReadonlyMap<string, unknown>,
  events: readonly { id: string; topic: string; partition: number; offset: number }[],
  deadLetters: readonly { _id: string; topic: string; partition: number; offset: number }[],
  expected: Set<string>,
): void {
  const logs = new Map<string, Guarded | null>();
  for (const [id, doc] of rollups) {
    if (!id.startsWith('rec:')) continue;
    logs.set(id, doc as Guarded);
    expected.add(id);
  }
  const view = new RecordLogView(logs);
  const deadIds = new Set(deadLetters.map((d) => d._id));
  for (const e of events) {
    const form = view.form(partitionKey(e.topic, e.partition), e.offset);
    assert.ok(form === 'event' || form === 'replayed', `event ${e.id} is logged as one (${form})`);
    assert.ok(!deadIds.has(e.id), `record ${e.id} is stored as an event and as a dead letter`);
  }
  for (const d of deadLetters) {
    const form = view.form(partitionKey(d.topic, d.partition), d.offset);
    assert.equal(form, 'dead', `dead letter ${d._id} is logged as one`);
  }
}

/** A summary bucket's error codes: per code its events, its devices, and (hours, days) its series. */
function assertErrorCodes(
  id: string,
  level: Exclude<Level, 'minute'>,
  start: number,
  list: readonly Ev[],
  doc: ErrorsDoc | undefined,
  pages: (ErrorsDoc | undefined)[],
): void {
  assert.ok(doc, `${errorsId(id)} exists`);
  const entries = decodeCodeEntries(doc.codes.buffer);
  if (doc.pages !== undefined) assert.equal(entries.size, 0, `${errorsId(id)}: its codes moved to pages`);
  pages.forEach((page, i) => {
    assert.ok(page, `${errorsPageId(id, i)} exists`);
    for (const [code, entry] of decodeCodeEntries(page.codes.buffer)) {
      assert.equal(codePage(code), i, `${errorsPageId(id, i)}: code ${code} is in its page`);
      entries.set(code, entry);
    }
  });
  const byCode = new Map<number, Ev[]>();
  for (const e of list) {
    const mine = byCode.get(e.code);
    if (mine === undefined) byCode.set(e.code, [e]);
    else mine.push(e);
  }
  assert.deepEqual(
    [...entries.keys()].sort((a, b) => a - b),
    [...byCode.keys()].sort((a, b) => a - b),
    `${id}: codes`,
  );
  for (const [code, mine] of byCode) {
    const entry = entries.get(code)!;
    const devices = [...new Set(mine.map((e) => e.n))].sort((a, b) => a - b);
    assert.equal(entry.events, mine.length, `${id}: events of code ${code}`);
    assert.equal(entry.unique, devices.length, `${id}: devices of code ${code}`);
    assert.deepEqual(bitmapIds(entry.devices), devices, `${id}: device set of code ${code}`);
    if (!CODE_SERIES_LEVELS.has(level)) {
      assert.equal(entry.series, undefined, `${id}: no series of code ${code}`);
      continue;
    }
    const child = CHILD_LEVEL[level];
    const series = {
      events: new Array<number>(childCount(level, start)).fill(0),
      unique: new Array<number>(childCount(level, start)).fill(0),
    };
    for (const e of mine) series.events[childIndex(level, start, bucketStart(child, e.ts))]!++;
    for (let c = start; c < bucketEnd(level, start); c = bucketEnd(child, c)) {
      const inChild = new Set(mine.filter((e) => bucketStart(child, e.ts) === c).map((e) => e.n));
      series.unique[childIndex(level, start, c)] = inChild.size;
    }
    assert.deepEqual(entry.series, series, `${id}: series of code ${code}`);
  }
}
