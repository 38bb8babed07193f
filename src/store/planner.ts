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
  countIds,
  type CountVector,
  decodeChunkTops,
  decodeCounts,
  decodeSeries,
  EMPTY_COUNTS,
  encodeChunkTops,
  encodeCounts,
  encodeSeries,
  encodeTop,
  HyperLogLog,
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
  hllId,
  setId,
} from './levels.ts';
import {
  type CountsDoc,
  type DeviceStatsDoc,
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
  binary,
  byChunk,
  bytesOf,
  type CurrentDocs,
  fresh,
  groupBy,
  LATEST_DEAD_LETTERS,
  onePerOffset,
  type PlannedWrite,
  REPLAY_PK,
  type RollupBatch,
  type RollupDeadLetter,
  type RollupEvent,
} from './rollup-batch.ts';
import { PlanDocs } from './plan-docs.ts';
import { MinutePlanner } from './plan-minutes.ts';
import { CodePlanner } from './plan-codes.ts';

/** Entries kept per id chunk in a head's top lists. */
const TOP_PER_CHUNK = 50;

export class Planner {
  readonly #docs: PlanDocs;
  readonly #buckets: BucketCache;
  readonly #minutes: MinutePlanner;
  readonly #codes: CodePlanner;

  constructor(current: CurrentDocs, buckets: BucketCache) {
    this.#docs = new PlanDocs(current);
    this.#buckets = buckets;
    this.#minutes = new MinutePlanner(this.#docs);
    this.#codes = new CodePlanner(this.#docs, buckets);
  }

  get writes(): PlannedWrite[] {
    return this.#docs.writes;
  }

  get missing(): ReadonlySet<string> {
    return this.#docs.missing;
  }

  minute(id: string, start: number, entries: RollupEvent[]): void {
    this.#minutes.plan(id, start, entries);
  }

  /** A chunk's counts after adding its fresh entries; writes it if any. Returns its counts. */
  #counts(id: string, entries: readonly RollupEvent[]): CountVector {
    const before = this.#docs.get<CountsDoc>(id);
    const stored = before === null ? EMPTY_COUNTS : decodeCounts(bytesOf(before.counts));
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return stored;
    const counts = addCounts(stored, countIds(add.map((e) => e.id)));
    this.#docs.put<CountsDoc>('rollups', 0, before, id, add, {
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
    const setBefore = this.#docs.get<SetDoc>(setId(headId));
    const setAdd = fresh(setBefore?.hw, entries);
    let size = setBefore?.size ?? 0;
    if (setAdd.length > 0) {
      const bitmap = addToBitmap(
        setBefore === null ? null : bytesOf(setBefore.bitmap),
        setAdd.map((e) => e.id),
      );
      size = bitmap.size;
      this.#docs.put<SetDoc>('rollups', 0, setBefore, setId(headId), setAdd, {
        bitmap: binary(bitmap.bytes),
        size,
        events: (setBefore?.events ?? 0) + setAdd.length,
      });
    }
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(entries))
      chunks.set(chunk, this.#counts(countsId(headId, chunk), list));
    this.#hll(hllId(headId), entries);
    this.#codes.plan(level, headId, start, entries);

    const before = this.#docs.get<HeadDoc>(headId);
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
    this.#docs.put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.indexOf(level), before, headId, add, {
      level,
      start: new Date(start),
      events: (before?.events ?? 0) + add.length,
      unique: size,
      series: binary(encodeSeries({ events, unique })),
      tops: this.#tops(before, chunks),
    });
  }

  #hll(id: string, entries: RollupEvent[]): void {
    const before = this.#docs.get<HllDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    const hll = before
      ? HyperLogLog.fromBytes(bytesOf(before.hll), HLL_PRECISION)
      : new HyperLogLog(HLL_PRECISION);
    for (const n of new Set(add.map((e) => e.id))) hll.add(String(n));
    this.#docs.put<HllDoc>('rollups', 0, before, id, add, {
      events: (before?.events ?? 0) + add.length,
      hll: binary(hll.toBytes()),
    });
  }

  #childSummary(level: Level, start: number): { events: number; unique: number } {
    const id = bucketId(level, start);
    if (level === 'minute') {
      const minute = this.#docs.get<MinuteDoc>(id);
      return { events: minute?.events ?? 0, unique: minute?.unique ?? 0 };
    }
    const head = this.#docs.get<HeadDoc>(id);
    return { events: head?.events ?? 0, unique: head?.unique ?? 0 };
  }

  allTime(events: RollupEvent[]): void {
    const chunks = new Map<number, CountVector>();
    for (const [chunk, list] of byChunk(events))
      chunks.set(chunk, this.#counts(countsId(ALL_TIME_ID, chunk), list));
    const before = this.#docs.get<HeadDoc>(ALL_TIME_ID);
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
    this.#docs.put<HeadDoc>('rollups', 1 + SUMMARY_LEVELS.length, before, ALL_TIME_ID, add, {
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
        const list = runsByDoc.get(id);
        if (list === undefined) runsByDoc.set(id, [{ from: r.from, to: r.to }]);
        else list.push({ from: r.from, to: r.to });
      }
    }
    const replayedByDoc = groupBy(replayed, (r) => recordLogId(r.pk, r.offset));
    for (const id of new Set([...byDoc.keys(), ...replayedByDoc.keys()])) {
      const before = this.#docs.get<RecordLogDoc>(id);
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
      this.#docs.put<RecordLogDoc>('rollups', -1, before, id, [...decided, ...replays], {
        ...(allRuns.length > 0 ? { buckets: encodeRuns(allRuns) } : {}),
        ...(from === undefined ? {} : { from }),
        ...(dead.size > 0 ? { dead: encodeOffsetSet(dead) } : {}),
        ...(replayedMap.size > 0 ? { replayed: encodeReplayedMap(replayedMap) } : {}),
      });
    }
  }

  devices(id: string, entries: RollupEvent[]): void {
    const before = this.#docs.get<DeviceStatsDoc>(id);
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
    this.#docs.put<DeviceStatsDoc>('deviceStats', 0, before, id, add, {
      slots: binary(encodeDeviceDetails(slots)),
    });
  }

  totals(batch: RollupBatch): void {
    const before = this.#docs.get<TotalsDoc>(TOTALS_ID);
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
    this.#docs.put<TotalsDoc>('rollups', 9, before, TOTALS_ID, [...events, ...deadLetters, ...replayed], {
      events: (before?.events ?? 0) + events.length,
      // Every device once, as the all-time head counts them (its chunks' devices).
      devices:
        batch.events.length > 0
          ? (this.#docs.get<HeadDoc>(ALL_TIME_ID)?.unique ?? 0)
          : (before?.devices ?? 0),
      deadLetters: (before?.deadLetters ?? 0) + deadLetters.length - replayed.length,
      firstTs: Number.isFinite(first) ? new Date(first) : null,
      lastTs: Number.isFinite(last) ? new Date(last) : null,
      firstStoredAt: events.length > 0 || before?.firstStoredAt ? new Date(storedFirst) : null,
    });
  }

  storedLog(events: RollupEvent[], storedAt: number): void {
    const id = storedLogId(storedAt);
    const before = this.#docs.get<StoredLogDoc>(id);
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
    this.#docs.put<StoredLogDoc>('rollups', 9, before, id, add, {
      start: new Date(bucketStart('hour', storedAt)),
      ranges: [...ranges.values()].sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      ),
      ...(replays.length > 0 ? { replays } : {}),
    });
  }

  latestDeadLetters(deadLetters: RollupDeadLetter[], replayed: RollupDeadLetter[]): void {
    const before = this.#docs.get<LatestDeadLettersDoc>(LATEST_DEAD_LETTERS_ID);
    const add = fresh(before?.hw, deadLetters);
    const remove = new Set(fresh(before?.hw, replayed).map((d) => d.docId));
    if (add.length === 0 && remove.size === 0) return;
    // Newest first: this batch's, latest offset first, ahead of those already listed.
    const added = [...add].sort((a, b) => (a.pk === b.pk ? b.offset - a.offset : a.pk < b.pk ? -1 : 1));
    const kept = (before?.ids ?? []).filter((id) => !remove.has(id));
    this.#docs.put<LatestDeadLettersDoc>(
      'rollups',
      9,
      before,
      LATEST_DEAD_LETTERS_ID,
      [...add, ...replayed],
      {
        ids: [...added.map((d) => d.docId), ...kept].slice(0, LATEST_DEAD_LETTERS),
      },
    );
  }
}
