/**
 * The planner of one batch's rollup writes, document by document: children first, then the heads
 * that summarise them (`phase`), each from the new contents of what it summarises.
 */
import type { Binary } from 'mongodb';
import { InternalError } from '../errors/index.ts';
import { partitionKey } from '../events/index.ts';
import {
  addCounts,
  addToBitmap,
  type CodeEntry,
  countIds,
  type CountVector,
  decodeChunkTops,
  decodeCodeEntries,
  decodeCounts,
  decodeSeries,
  EMPTY_COUNTS,
  encodeChunkTops,
  encodeCodeEntries,
  encodeCounts,
  encodeMinuteCodes,
  encodeMinuteEvents,
  encodeSeries,
  encodeTop,
  HyperLogLog,
  mergeMinuteEvents,
  minuteEvents,
  NO_EVENTS,
  topOf,
} from '../sketch/index.ts';
import {
  blockOffset,
  decodeOffsetSet,
  decodeReplayedMap,
  decodeRuns,
  encodeOffsetSet,
  encodeReplayedMap,
  encodeRuns,
  RECORD_LOG_BITS,
  recordLogBlock,
  type RecordDecision,
  type RecordLogDoc,
  recordLogId,
  type ReplayedRecord,
} from './decisions.ts';
import { type DeviceDetails, decodeDeviceDetails, encodeDeviceDetails } from './device-details.ts';
import type { BucketCache } from './levels.ts';
import {
  ALL_TIME_ID,
  CHILD_LEVEL,
  DEVICE_CHUNK_BITS,
  LATEST_DEAD_LETTERS_ID,
  storedLogId,
  type Level,
  SUMMARY_LEVELS,
  TOTALS_ID,
  bucketId,
  bucketStart,
  childCount,
  childIndex,
  countsId,
  CODE_PAGES,
  CODE_SERIES_LEVELS,
  codePage,
  errorsId,
  errorsPageId,
  hllId,
  setId,
} from './levels.ts';
import {
  type CountsDoc,
  type DeviceStatsDoc,
  type ErrorsDoc,
  type Guarded,
  type HeadDoc,
  type HllDoc,
  type LatestDeadLettersDoc,
  type StoredLogDoc,
  type MinuteDoc,
  type SetDoc,
  type TotalsDoc,
  HLL_PRECISION,
} from './schema.ts';

import {
  advanced,
  binary,
  byChunk,
  bytesOf,
  type CurrentDocs,
  fresh,
  groupBy,
  LATEST_DEAD_LETTERS,
  minuteOf,
  type Offset,
  onePerOffset,
  type PlannedWrite,
  REPLAY_PK,
  type RollupBatch,
  type RollupCollection,
  type RollupDeadLetter,
  type RollupEvent,
} from './rollup-batch.ts';

/** Entries kept per id chunk in a head's top lists. */
const TOP_PER_CHUNK = 50;

/**
 * The most one document of a bucket's error codes holds before they move to pages: far below the
 * store's 16 MiB, so that a page, with a 64th of the codes, has room for many times more.
 */
const CODES_DOC_BYTES = 4 * 1024 * 1024;

export class Planner {
  readonly writes: PlannedWrite[] = [];
  /** Every document's content after this plan: what heads summarise. */
  readonly #after = new Map<string, Guarded | null>();

  readonly #buckets: BucketCache;

  readonly #decodedCodes = new WeakMap<object, ReadonlyMap<number, { events: number; unique: number }>>();

  /** Documents the plan needs that were not read (pages of error codes): read them and plan again. */
  readonly missing = new Set<string>();

  constructor(current: CurrentDocs, buckets: BucketCache) {
    for (const [id, doc] of current) this.#after.set(id, doc);
    this.#buckets = buckets;
  }

  #get<D extends Guarded>(id: string): D | null {
    if (!this.#after.has(id))
      throw new InternalError(`planRollups: ${id} was not read (touchedDocs is out of step)`);
    return this.#after.get(id) as D | null;
  }

  /**
   * Plans document `id` over `before` (null: a new document): its `fields`, and its marks advanced
   * past `applied`. Writes of a lower phase go first.
   */
  #put<D extends Guarded>(
    collection: RollupCollection,
    phase: number,
    before: D | null,
    id: string,
    applied: readonly Offset[],
    fields: Omit<D, keyof Guarded>,
    /** Marks to write instead of `before`'s advanced past `applied` (a page taking its bucket's). */
    hw?: Record<string, number>,
  ): void {
    const written: Guarded = {
      _id: id,
      v: (before?.v ?? 0) + 1,
      hw: hw ?? advanced(before?.hw, applied),
      ...fields,
    };
    this.#after.set(id, written);
    this.writes.push({ collection, doc: written, expectedV: before === null ? null : before.v, phase });
  }

  minute(id: string, start: number, entries: RollupEvent[]): void {
    const before = this.#get<MinuteDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const detail = mergeMinuteEvents(
      before === null ? NO_EVENTS : minuteOf(before),
      minuteEvents(add.map((e) => ({ ms: e.ts - start, id: e.id, code: e.code }))),
    );
    this.#put<MinuteDoc>('rollups', 0, before, id, add, {
      start: new Date(start),
      events: detail.ms.length,
      unique: countIds(detail.ids).ids.length,
      detail: binary(encodeMinuteEvents(detail)),
      ...(detail.codes === null ? {} : { codes: binary(encodeMinuteCodes(detail.codes)) }),
    });
  }

  /**
   * A summary bucket's error codes: per code of its fresh entries, the events and the devices, and
   * in hours and days the code's series over the children that `entries` touch, recomputed from
   * their new contents (children are written first). One document, until it outgrows
   * CODES_DOC_BYTES: then every code moves to its page (CODE_PAGES of them), each page with the
   * document's marks, and the document says so after its pages are written, so that a crash in
   * between leaves it whole and the move is made again.
   */
  #errors(level: Exclude<Level, 'minute'>, headId: string, start: number, entries: RollupEvent[]): void {
    const id = errorsId(headId);
    const head = this.#get<ErrorsDoc>(id);
    const phase = 1 + SUMMARY_LEVELS.indexOf(level);
    if (head?.pages !== undefined) {
      for (const [page, list] of groupBy(entries, (e) => codePage(e.code))) {
        const pageId = errorsPageId(headId, page);
        const before = this.#page(pageId);
        const update = this.#codeTable(level, start, before, list);
        if (update === null) continue;
        this.#put<ErrorsDoc>('rollups', phase, before, pageId, update.add, {
          codes: binary(encodeCodeEntries(update.table.values())),
        });
      }
      return;
    }
    const update = this.#codeTable(level, start, head, entries);
    if (update === null) return;
    const codes = encodeCodeEntries(update.table.values());
    if (codes.length <= CODES_DOC_BYTES) {
      this.#put<ErrorsDoc>('rollups', phase, head, id, update.add, { codes: binary(codes) });
      return;
    }
    const hw = advanced(head?.hw, update.add);
    const byPage = groupBy([...update.table.values()], (e) => codePage(e.code));
    for (let page = 0; page < CODE_PAGES; page++) {
      const pageId = errorsPageId(headId, page);
      this.#put<ErrorsDoc>(
        'rollups',
        phase,
        this.#page(pageId),
        pageId,
        [],
        {
          codes: binary(encodeCodeEntries(byPage.get(page) ?? [])),
        },
        hw,
      );
    }
    this.#put<ErrorsDoc>('rollups', phase + 0.5, head, id, update.add, {
      codes: binary(encodeCodeEntries([])),
      pages: CODE_PAGES,
    });
  }

  /** A page of error codes: read in a second round (planRollupsReading), as only now it is known. */
  #page(id: string): ErrorsDoc | null {
    if (!this.#after.has(id)) {
      this.missing.add(id);
      return null;
    }
    return this.#after.get(id) as ErrorsDoc | null;
  }

  /** The codes of `before` with `entries` above its marks applied; null when none is. */
  #codeTable(
    level: Exclude<Level, 'minute'>,
    start: number,
    before: ErrorsDoc | null,
    entries: RollupEvent[],
  ): { table: Map<number, CodeEntry>; add: readonly RollupEvent[] } | null {
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return null;
    const table = before === null ? new Map<number, CodeEntry>() : decodeCodeEntries(bytesOf(before.codes));
    for (const [code, list] of groupBy(add, (e) => e.code)) {
      const entry = table.get(code);
      const devices = addToBitmap(
        entry === undefined ? null : entry.devices,
        list.map((e) => e.id),
      );
      table.set(code, {
        code,
        events: (entry?.events ?? 0) + list.length,
        devices: devices.bytes,
        unique: devices.size,
        ...(entry?.series === undefined ? {} : { series: entry.series }),
      });
    }
    if (CODE_SERIES_LEVELS.has(level)) {
      const childLevel = CHILD_LEVEL[level];
      for (const [code, list] of groupBy(entries, (e) => e.code)) {
        const entry = table.get(code);
        if (entry === undefined) continue;
        const series = entry.series ?? {
          events: new Array<number>(childCount(level, start)).fill(0),
          unique: new Array<number>(childCount(level, start)).fill(0),
        };
        for (const childStart of new Set(list.map((e) => this.#buckets.of(e.ts).starts[childLevel]))) {
          const child = this.#childCode(childLevel, childStart, code);
          const i = childIndex(level, start, childStart);
          series.events[i] = child?.events ?? 0;
          series.unique[i] = child?.unique ?? 0;
        }
        entry.series = series;
      }
    }
    return { table, add };
  }

  /** The events and distinct devices of one code in a child bucket, from its contents after the plan. */
  #childCode(level: Level, start: number, code: number): { events: number; unique: number } | undefined {
    if (level !== 'minute') {
      const headId = bucketId(level, start);
      const doc = this.#get<ErrorsDoc>(errorsId(headId));
      const holder = doc?.pages === undefined ? doc : this.#page(errorsPageId(headId, codePage(code)));
      return holder === null ? undefined : this.#codesOf(holder).get(code);
    }
    const doc = this.#get<MinuteDoc>(bucketId('minute', start));
    return doc === null ? undefined : this.#codesOf(doc).get(code);
  }

  /**
   * Per code, events and distinct devices of a document (errors, or a minute), decoded once per
   * content: a bucket with thousands of codes asks for each, of the same children.
   */
  #codesOf(doc: ErrorsDoc | MinuteDoc): ReadonlyMap<number, { events: number; unique: number }> {
    let codes = this.#decodedCodes.get(doc);
    if (codes !== undefined) return codes;
    if ('codes' in doc && !('detail' in doc)) codes = decodeCodeEntries(bytesOf(doc.codes));
    else {
      const minute = minuteOf(doc);
      const byCode = new Map<number, Set<number>>();
      const events = new Map<number, number>();
      minute.codes?.forEach((code, i) => {
        events.set(code, (events.get(code) ?? 0) + 1);
        const devices = byCode.get(code);
        if (devices === undefined) byCode.set(code, new Set([minute.ids[i]!]));
        else devices.add(minute.ids[i]!);
      });
      codes = new Map([...events].map(([code, n]) => [code, { events: n, unique: byCode.get(code)!.size }]));
    }
    this.#decodedCodes.set(doc, codes);
    return codes;
  }

  /** A chunk's counts after adding its fresh entries; writes it if any. Returns its counts. */
  #counts(id: string, entries: readonly RollupEvent[]): CountVector {
    const before = this.#get<CountsDoc>(id);
    const stored = before === null ? EMPTY_COUNTS : decodeCounts(bytesOf(before.counts));
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return stored;
    const counts = addCounts(stored, countIds(add.map((e) => e.id)));
    this.#put<CountsDoc>('rollups', 0, before, id, add, {
      counts: binary(encodeCounts(counts)),
    });
    return counts;
  }

  /** The head's top lists with those of the touched chunks recomputed. */
  #tops(before: HeadDoc | null, chunks: Map<number, CountVector>): Binary {
    const tops = before === null ? new Map<number, Uint8Array>() : decodeChunkTops(bytesOf(before.tops));
    for (const [chunk, counts] of chunks) tops.set(chunk, encodeTop(topOf(counts, TOP_PER_CHUNK)));
    return binary(encodeChunkTops(tops));
  }

  summary(level: Exclude<Level, 'minute'>, headId: string, start: number, entries: RollupEvent[]): void {
    // Children first: the bitmap and the per-chunk counts.
    const setBefore = this.#get<SetDoc>(setId(headId));
    const setAdd = fresh(setBefore?.hw, entries);
    let size = setBefore?.size ?? 0;
    if (setAdd.length > 0) {
      const bitmap = addToBitmap(
        setBefore === null ? null : bytesOf(setBefore.bitmap),
        setAdd.map((e) => e.id),
      );
      size = bitmap.size;
      this.#put<SetDoc>('rollups', 0, setBefore, setId(headId), setAdd, {
        bitmap: binary(bitmap.bytes),
        size,
        events: (setBefore?.events ?? 0) + setAdd.length,
      });
    }
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(entries))
      chunks.set(chunk, this.#counts(countsId(headId, chunk), list));
    this.#hll(hllId(headId), entries);
    this.#errors(level, headId, start, entries);

    const before = this.#get<HeadDoc>(headId);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const childLevel = CHILD_LEVEL[level];
    const { events, unique } = before?.series
      ? decodeSeries(bytesOf(before.series))
      : {
          events: new Array<number>(childCount(level, start)).fill(0),
          unique: new Array<number>(childCount(level, start)).fill(0),
        };
    for (const childStart of new Set(entries.map((e) => this.#buckets.of(e.ts).starts[childLevel]))) {
      const i = childIndex(level, start, childStart);
      const child = this.#childSummary(childLevel, childStart);
      events[i] = child.events;
      unique[i] = child.unique;
    }
    // Hours after minutes, days after hours, months after days.
    this.#put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.indexOf(level), before, headId, add, {
      level,
      start: new Date(start),
      events: (before?.events ?? 0) + add.length,
      unique: size,
      series: binary(encodeSeries({ events, unique })),
      tops: this.#tops(before, chunks),
    });
  }

  #hll(id: string, entries: RollupEvent[]): void {
    const before = this.#get<HllDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const hll = before
      ? HyperLogLog.fromBytes(bytesOf(before.hll), HLL_PRECISION)
      : new HyperLogLog(HLL_PRECISION);
    for (const n of new Set(add.map((e) => e.id))) hll.add(String(n));
    this.#put<HllDoc>('rollups', 0, before, id, add, {
      events: (before?.events ?? 0) + add.length,
      hll: binary(hll.toBytes()),
    });
  }

  #childSummary(level: Level, start: number): { events: number; unique: number } {
    const id = bucketId(level, start);
    if (level === 'minute') {
      const minute = this.#get<MinuteDoc>(id);
      return { events: minute?.events ?? 0, unique: minute?.unique ?? 0 };
    }
    const head = this.#get<HeadDoc>(id);
    return { events: head?.events ?? 0, unique: head?.unique ?? 0 };
  }

  allTime(events: RollupEvent[]): void {
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(events))
      chunks.set(chunk, this.#counts(countsId(ALL_TIME_ID, chunk), list));
    const before = this.#get<HeadDoc>(ALL_TIME_ID);
    const add = fresh(before?.hw, events);
    if (add.length === 0) return;
    if (before !== null && before.chunkDevices === undefined) {
      throw new InternalError('the all-time head predates schema 2 (recordedSchema migrates it first)');
    }
    const chunkDevices = [...(before?.chunkDevices ?? [])];
    for (const [chunk, counts] of chunks) {
      while (chunkDevices.length <= chunk) chunkDevices.push(0);
      chunkDevices[chunk] = counts.ids.length;
    }
    this.#put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.length, before, ALL_TIME_ID, add, {
      level: 'all',
      start: null,
      events: (before?.events ?? 0) + add.length,
      unique: chunkDevices.reduce((a, b) => a + b, 0),
      series: null,
      tops: this.#tops(before, chunks),
      chunkDevices,
    });
  }

  /** The batch's decisions, before anything counts them: the record log (decisions.ts). */
  recordLog(
    records: readonly RecordDecision[],
    replayed: readonly ReplayedRecord[],
    runs: readonly { pk: string; from: number; to: number }[] = [],
  ): void {
    const byDoc = groupBy(records, (r) => recordLogId(r.pk, r.offset));
    // A bucket's run is named in the record log of every block it overlaps.
    const runsByDoc = new Map<string, { from: number; to: number }[]>();
    for (const r of runs) {
      for (let block = recordLogBlock(r.from); block <= recordLogBlock(r.to); block++) {
        const id = recordLogId(r.pk, block * 2 ** RECORD_LOG_BITS);
        runsByDoc.set(id, [...(runsByDoc.get(id) ?? []), { from: r.from, to: r.to }]);
      }
    }
    const replayedByDoc = groupBy(replayed, (r) => recordLogId(r.pk, r.offset));
    for (const id of new Set([...byDoc.keys(), ...replayedByDoc.keys()])) {
      const before = this.#get<RecordLogDoc>(id);
      const decided = fresh(before?.hw, onePerOffset(byDoc.get(id) ?? []));
      const replays = fresh(
        before?.hw,
        onePerOffset(
          (replayedByDoc.get(id) ?? []).map((r) => ({ ...r, pk: REPLAY_PK, offset: r.seq, of: r })),
        ),
      );
      if (decided.length === 0 && replays.length === 0) continue;
      const dead = decodeOffsetSet(before?.dead);
      const replayedMap = decodeReplayedMap(before?.replayed);
      let from = before?.from;
      for (const r of decided) {
        if (r.dead) dead.add(blockOffset(r.offset));
        if (from === undefined || r.offset < from) from = r.offset;
      }
      for (const r of replays) replayedMap.set(blockOffset(r.of.offset), r.of.seq);
      const allRuns = [...decodeRuns(before?.buckets), ...(runsByDoc.get(id) ?? [])].filter(
        (r, i, list) => list.findIndex((x) => x.from === r.from) === i,
      );
      this.#put<RecordLogDoc>('rollups', -1, before, id, [...decided, ...replays], {
        ...(allRuns.length > 0 ? { buckets: encodeRuns(allRuns) } : {}),
        ...(from === undefined ? {} : { from }),
        ...(dead.size > 0 ? { dead: encodeOffsetSet(dead) } : {}),
        ...(replayedMap.size > 0 ? { replayed: encodeReplayedMap(replayedMap) } : {}),
      });
    }
  }

  devices(id: string, entries: RollupEvent[]): void {
    const before = this.#get<DeviceStatsDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const slots =
      before === null ? new Map<number, DeviceDetails>() : decodeDeviceDetails(bytesOf(before.slots));
    for (const e of add) {
      const slot = e.id & ((1 << DEVICE_CHUNK_BITS) - 1);
      const d = slots.get(slot) ?? {
        ip: e.ip,
        events: 0,
        first: e.ts,
        last: e.ts,
        codes: new Map<number, number>(),
      };
      d.events++;
      d.first = Math.min(d.first, e.ts);
      d.last = Math.max(d.last, e.ts);
      d.codes.set(e.code, (d.codes.get(e.code) ?? 0) + 1);
      slots.set(slot, d);
    }
    this.#put<DeviceStatsDoc>('deviceStats', 0, before, id, add, {
      slots: binary(encodeDeviceDetails(slots)),
    });
  }

  totals(batch: RollupBatch): void {
    const before = this.#get<TotalsDoc>(TOTALS_ID);
    const events = fresh(before?.hw, batch.events);
    const deadLetters = fresh(before?.hw, batch.deadLetters);
    const replayed = fresh(before?.hw, batch.replayedDeadLetters ?? []);
    if (events.length === 0 && deadLetters.length === 0 && replayed.length === 0) return;
    let first = before?.firstTs?.getTime() ?? Infinity;
    let last = before?.lastTs?.getTime() ?? -Infinity;
    for (const e of events) {
      if (e.ts < first) first = e.ts;
      if (e.ts > last) last = e.ts;
    }
    const storedFirst = Math.min(before?.firstStoredAt?.getTime() ?? Infinity, batch.storedAt);
    this.#put<TotalsDoc>('rollups', 9, before, TOTALS_ID, [...events, ...deadLetters, ...replayed], {
      events: (before?.events ?? 0) + events.length,
      // Every device once, as the all-time head counts them (its chunks' devices).
      devices:
        batch.events.length > 0 ? (this.#get<HeadDoc>(ALL_TIME_ID)?.unique ?? 0) : (before?.devices ?? 0),
      deadLetters: (before?.deadLetters ?? 0) + deadLetters.length - replayed.length,
      firstTs: Number.isFinite(first) ? new Date(first) : null,
      lastTs: Number.isFinite(last) ? new Date(last) : null,
      firstStoredAt: events.length > 0 || before?.firstStoredAt ? new Date(storedFirst) : null,
    });
  }

  storedLog(events: RollupEvent[], storedAt: number): void {
    const id = storedLogId(storedAt);
    const before = this.#get<StoredLogDoc>(id);
    const add = fresh(before?.hw, events);
    if (add.length === 0) return;
    const ranges = new Map((before?.ranges ?? []).map((r) => [partitionKey(r.topic, r.partition), { ...r }]));
    const replays = [...(before?.replays ?? [])];
    for (const e of add) {
      if (e.replayOf !== undefined) {
        replays.push(e.replayOf);
        continue;
      }
      const key = partitionKey(e.topic, e.partition);
      const r = ranges.get(key);
      if (r === undefined)
        ranges.set(key, { topic: e.topic, partition: e.partition, from: e.offset, to: e.offset });
      else {
        r.from = Math.min(r.from, e.offset);
        r.to = Math.max(r.to, e.offset);
      }
    }
    this.#put<StoredLogDoc>('rollups', 9, before, id, add, {
      start: new Date(bucketStart('hour', storedAt)),
      ranges: [...ranges.values()].sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      ),
      ...(replays.length > 0 ? { replays } : {}),
    });
  }

  latestDeadLetters(deadLetters: RollupDeadLetter[], replayed: RollupDeadLetter[]): void {
    const before = this.#get<LatestDeadLettersDoc>(LATEST_DEAD_LETTERS_ID);
    const add = fresh(before?.hw, deadLetters);
    const remove = new Set(fresh(before?.hw, replayed).map((d) => d.docId));
    if (add.length === 0 && remove.size === 0) return;
    // Newest first: this batch's, latest offset first, ahead of those already listed.
    const added = [...add].sort((a, b) => (a.pk === b.pk ? b.offset - a.offset : a.pk < b.pk ? -1 : 1));
    const kept = (before?.ids ?? []).filter((id) => !remove.has(id));
    this.#put<LatestDeadLettersDoc>('rollups', 9, before, LATEST_DEAD_LETTERS_ID, [...add, ...replayed], {
      ids: [...added.map((d) => d.docId), ...kept].slice(0, LATEST_DEAD_LETTERS),
    });
  }
}
