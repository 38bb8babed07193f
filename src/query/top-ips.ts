/**
 * The addresses with the most events over all time or any range, exactly, without reading events.
 *
 * A range is tiled as for unique counts (tiling.ts). Minutes and minute parts give exact
 * per-device counts. The summary buckets (and all time) keep, per id chunk, the devices with the
 * most events and a threshold no other device of the chunk exceeds; a device's count over the range
 * lies between what those lists show and that plus the thresholds of the lists it is missing from.
 * When the bounds decide the top N (the N-th best lower bound beats every other upper bound, and
 * no device outside the lists could reach it), the answer is exact; until then the chunks whose
 * thresholds stand in the way are read in full (their exact counts), largest threshold first. On
 * skewed traffic the lists decide at once; on flat traffic the reads grow, within the request's
 * document budget (QueryTooBroadError past it).
 */
import type { Db } from 'mongodb';
import { IpstreamError } from '../errors/index.ts';
import {
  countsBetween,
  type CountVector,
  decodeChunkTops,
  decodeCounts,
  decodeTop,
  type TopList,
} from '../sketch/index.ts';
import {
  ALL_TIME_ID,
  bucketId,
  COLLECTIONS,
  type CountsDoc,
  countsId,
  decodeDeviceDetails,
  DEVICE_CHUNK_BITS,
  deviceChunkId,
  type DeviceStatsDoc,
  type HeadDoc,
  idChunk,
  type MinuteDoc,
} from '../store/index.ts';
import { IdTally } from './id-tally.ts';
import { type TimeRange, isAllTime } from './range.ts';
import { QueryReader } from './reader.ts';
import { minuteEvents } from './minutes.ts';
import { type Piece, tileRange } from './tiling.ts';

export const DEFAULT_TOP_LIMIT = 10;
/** Chunk count documents read per refinement round. */
const REFINE_BATCH = 64;

export interface TopIp {
  ip: string;
  events: number;
}

/** A bucket known by its top lists, some of whose chunks have been read in full. */
interface Summary {
  headId: string;
  tops: Map<number, TopList>;
  refined: Set<number>;
}

function decodeStored<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof IpstreamError && error.code === 'STORE_CORRUPT') throw error;
    throw new IpstreamError('STORE_CORRUPT', `${what} does not decode: ${String(error)}`, { cause: error });
  }
}

/**
 * Most events first; equal counts in the order the devices were first stored (their ids), so the
 * answer is stable and only the devices answered are looked up.
 */
export async function topIps(db: Db, range: TimeRange, limit: number): Promise<TopIp[]> {
  const reader = await QueryReader.open(db);
  const summaries: Summary[] = [];
  const summaryHeads: string[] = [];
  const pieces: Piece[] = [];
  if (isAllTime(range)) {
    summaryHeads.push(ALL_TIME_ID);
  } else {
    const closed = await reader.closeRange(range);
    if (closed === null) return [];
    pieces.push(...tileRange(closed.from, closed.to));
  }
  const minuteIds: string[] = [];
  for (const p of pieces) {
    if (p.kind === 'bucket' && p.level !== 'minute') summaryHeads.push(bucketId(p.level, p.start));
    else minuteIds.push(bucketId('minute', p.start));
  }
  // Minutes and heads in one batch of reads: the store serves them side by side.
  const docs = await reader.rollups<MinuteDoc | HeadDoc>([...minuteIds, ...summaryHeads], 'top IPs');
  const minutes = await minuteEvents(reader, docs, pieces, 'top IPs');
  const minuteCounts: CountVector[] = [];
  for (const [i, p] of pieces.entries()) {
    if (p.kind === 'bucket' && p.level !== 'minute') continue;
    const doc = docs.get(bucketId('minute', p.start)) as MinuteDoc | null | undefined;
    if (doc === null || doc === undefined) continue;
    const events = decodeStored(doc._id, () => minutes.get(i)!);
    const counts = p.kind === 'partial' ? countsBetween(events, p.fromMs, p.toMs) : countsBetween(events);
    minuteCounts.push(counts);
  }
  for (const headId of summaryHeads) {
    const head = docs.get(headId) as HeadDoc | null | undefined;
    if (head === null || head === undefined) continue;
    const tops = new Map<number, TopList>();
    for (const [chunk, bytes] of decodeStored(headId, () => decodeChunkTops(head.tops.buffer)))
      tops.set(
        chunk,
        decodeStored(headId, () => decodeTop(bytes)),
      );
    summaries.push({ headId, tops, refined: new Set() });
  }
  const bounds = initialBounds(minuteCounts, summaries);
  for (;;) {
    const pending = undecided(bounds, summaries, limit);
    if (pending.length === 0) return await rank(reader, bounds, limit);
    const batch = pending.slice(0, REFINE_BATCH);
    const docs = await reader.rollups<CountsDoc>(
      batch.map((r) => countsId(r.summary.headId, r.chunk)),
      'top IPs over this range',
    );
    for (const r of batch) {
      const doc = docs.get(countsId(r.summary.headId, r.chunk)) ?? null;
      const counts = doc === null ? null : decodeStored(doc._id, () => decodeCounts(doc.counts.buffer));
      refine(bounds, r.summary, r.chunk, counts);
    }
  }
}

/**
 * What is known of every candidate. Kept up to date as lists are read in full (refine), not
 * recomputed each round: a week's range has hundreds of thousands of candidates.
 */
interface Bounds {
  /** Per candidate: events known for certain (exact counts, plus the lists not yet read in full). */
  lower: IdTally;
  /** Per id chunk: the most events an id could have in the lists it is missing from. */
  slack: Map<number, number>;
  /** Per candidate: the part of its chunk's slack from lists that do show it. */
  listedSlack: IdTally;
}

function initialBounds(exact: CountVector[], summaries: Summary[]): Bounds {
  const lower = new IdTally();
  const slack = new Map<number, number>();
  const listedSlack = new IdTally();
  for (const counts of exact) lower.addAll(counts.ids, counts.counts);
  for (const s of summaries) {
    for (const [chunk, top] of s.tops) {
      slack.set(chunk, (slack.get(chunk) ?? 0) + top.threshold);
      lower.addAll(top.ids, top.counts);
      for (const id of top.ids) listedSlack.add(id, top.threshold);
    }
  }
  return { lower, slack, listedSlack };
}

/** Replaces a bucket's list of a chunk by the chunk's exact counts (null: none stored). */
function refine(b: Bounds, summary: Summary, chunk: number, counts: CountVector | null): void {
  const top = summary.tops.get(chunk)!;
  summary.refined.add(chunk);
  top.ids.forEach((id, i) => {
    b.lower.add(id, -top.counts[i]!);
    b.listedSlack.add(id, -top.threshold);
  });
  b.slack.set(chunk, b.slack.get(chunk)! - top.threshold);
  if (counts !== null) b.lower.addAll(counts.ids, counts.counts);
}

function upperOf(b: Bounds, id: number): number {
  return b.lower.get(id) + (b.slack.get(idChunk(id)) ?? 0) - b.listedSlack.get(id);
}

/** Whether candidate x ranks before y: more events, then the lower device id. */
function before(b: Bounds, x: number, y: number): boolean {
  const dx = b.lower.get(x);
  const dy = b.lower.get(y);
  return dx > dy || (dx === dy && x < y);
}

/**
 * The best `limit` candidates by known events, best first: a bounded heap over all of them (a
 * range's candidates run to hundreds of thousands; sorting them all cost most of a request).
 */
function topByLower(b: Bounds, limit: number): number[] {
  // A heap whose root is the worst of the best so far.
  const heap: number[] = [];
  const worse = (i: number, j: number) => before(b, heap[j]!, heap[i]!);
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const down = (start: number) => {
    for (let i = start; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heap.length && worse(l, w)) w = l;
      if (r < heap.length && worse(r, w)) w = r;
      if (w === i) return;
      swap(i, w);
      i = w;
    }
  };
  b.lower.forEach((id) => {
    if (heap.length < limit) {
      heap.push(id);
      for (let i = heap.length - 1; i > 0 && worse(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (limit > 0 && before(b, id, heap[0]!)) {
      heap[0] = id;
      down(0);
    }
  });
  return heap.sort((x, y) => (before(b, x, y) ? -1 : 1));
}

/**
 * The (bucket, chunk) lists that must be read in full before the top `limit` is certain, most
 * uncertain first; empty when it is.
 */
function undecided(b: Bounds, summaries: Summary[], limit: number): { summary: Summary; chunk: number }[] {
  const top = topByLower(b, limit);
  const inTop = new Set(top);
  const cutoff = top.length >= limit ? b.lower.get(top[limit - 1]!) : 0;
  const unsure = new Set<number>(); // chunks whose lists must be read
  b.lower.forEach((id, lower) => {
    const upper = upperOf(b, id);
    // In the top: its count must be exact. Outside: it must not be able to reach the cutoff,
    // unless it ties there exactly (then the device id decides).
    if (upper > lower && (inTop.has(id) || upper >= cutoff)) unsure.add(idChunk(id));
  });
  // A device in no list at all has at most its chunk's slack.
  for (const [chunk, slack] of b.slack) if (slack > 0 && slack >= cutoff) unsure.add(chunk);
  const wanted: { summary: Summary; chunk: number; threshold: number }[] = [];
  for (const s of summaries) {
    for (const [chunk, top] of s.tops) {
      if (unsure.has(chunk) && !s.refined.has(chunk) && top.threshold > 0) {
        wanted.push({ summary: s, chunk, threshold: top.threshold });
      }
    }
  }
  return wanted.sort((x, y) => y.threshold - x.threshold);
}

/** The top `limit` by exact count, ties by device id; only their addresses are read. */
async function rank(reader: QueryReader, b: Bounds, limit: number): Promise<TopIp[]> {
  const top = topByLower(b, limit);
  const chunks = [...new Set(top.map(deviceChunkId))];
  const devices = await reader.byIds<DeviceStatsDoc>(COLLECTIONS.deviceStats, chunks, 'top IPs');
  const details = new Map(
    [...devices].map(([chunk, doc]) => [chunk, doc === null ? null : decodeDeviceDetails(doc.slots.buffer)]),
  );
  return top.map((id) => {
    const ip = details.get(deviceChunkId(id))?.get(id & ((1 << DEVICE_CHUNK_BITS) - 1))?.ip;
    if (ip === undefined) throw new IpstreamError('STORE_CORRUPT', `device ${id} has counts but no details`);
    return { ip, events: b.lower.get(id) };
  });
}
