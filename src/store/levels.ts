/**
 * The time buckets of the read model (UTC): minutes, ten minutes, hours, six hours, days and
 * calendar months, and the document ids they are stored under. Ids name the bucket in readable ISO
 * form, so an operator can find "the hour 2024-09-18T14" as `h:2024-09-18T14` with a plain find
 * by _id.
 */
export type Level = 'minute' | 'tenMinutes' | 'hour' | 'sixHours' | 'day' | 'month';

/** Coarse to fine, as range tilings are built. */
export const LEVELS_COARSE_FIRST: readonly Level[] = [
  'month',
  'day',
  'sixHours',
  'hour',
  'tenMinutes',
  'minute',
];

/**
 * Levels above the minute, which keep bitmaps, per-device counts and top lists, finest first.
 * Ten minutes and six hours exist for range edges only: the part of a day at a range's end takes
 * at most 3 six hours, 5 hours, 5 ten minutes and 9 minutes (22 documents, a read apiece), not 23
 * hours and 59 minutes.
 */
export const SUMMARY_LEVELS: readonly Exclude<Level, 'minute'>[] = [
  'tenMinutes',
  'hour',
  'sixHours',
  'day',
  'month',
];

export const MINUTE_MS = 60_000;
const TEN_MINUTES_MS = 600_000;
export const HOUR_MS = 3_600_000;
const SIX_HOURS_MS = 21_600_000;
export const DAY_MS = 86_400_000;

export function bucketStart(level: Level, ts: number): number {
  switch (level) {
    case 'minute':
      return Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    case 'tenMinutes':
      return Math.floor(ts / TEN_MINUTES_MS) * TEN_MINUTES_MS;
    case 'hour':
      return Math.floor(ts / HOUR_MS) * HOUR_MS;
    case 'sixHours':
      return Math.floor(ts / SIX_HOURS_MS) * SIX_HOURS_MS;
    case 'day':
      return Math.floor(ts / DAY_MS) * DAY_MS;
    case 'month': {
      // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
      const d = new Date(ts);
      const start = new Date(0);
      start.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return start.getTime();
    }
  }
}

export function bucketEnd(level: Level, start: number): number {
  switch (level) {
    case 'minute':
      return start + MINUTE_MS;
    case 'tenMinutes':
      return start + TEN_MINUTES_MS;
    case 'hour':
      return start + HOUR_MS;
    case 'sixHours':
      return start + SIX_HOURS_MS;
    case 'day':
      return start + DAY_MS;
    case 'month': {
      const d = new Date(start);
      d.setUTCMonth(d.getUTCMonth() + 1);
      return d.getTime();
    }
  }
}

/** The level whose buckets a bucket of `level` summarises in its series (hour: minutes...). */
export const CHILD_LEVEL: Record<Exclude<Level, 'minute'>, Level> = {
  tenMinutes: 'minute',
  hour: 'minute',
  sixHours: 'hour',
  day: 'hour',
  month: 'day',
};

/** Position of a child bucket in its parent's series: minute of the hour, hour of the day, day of the month... */
export function childIndex(
  parent: Exclude<Level, 'minute'>,
  parentStart: number,
  childStart: number,
): number {
  if (parent === 'month') return new Date(childStart).getUTCDate() - 1;
  return Math.round((childStart - parentStart) / (CHILD_LEVEL[parent] === 'hour' ? HOUR_MS : MINUTE_MS));
}

export function childCount(parent: Exclude<Level, 'minute'>, parentStart: number): number {
  if (parent === 'tenMinutes') return 10;
  if (parent === 'hour') return 60;
  if (parent === 'sixHours') return 6;
  if (parent === 'day') return 24;
  return Math.round((bucketEnd('month', parentStart) - parentStart) / DAY_MS);
}

const PREFIX: Record<Level, string> = {
  minute: 'm',
  tenMinutes: 't',
  hour: 'h',
  sixHours: 's',
  day: 'd',
  month: 'M',
};
const ISO_CHARS: Record<Level, number> = {
  minute: 16,
  tenMinutes: 15,
  hour: 13,
  sixHours: 13,
  day: 10,
  month: 7,
};

/**
 * The head document of a bucket: `m:2024-09-18T14:14`, `t:2024-09-18T14:1` (14:10 to 14:20),
 * `h:2024-09-18T14`, `s:2024-09-18T12` (12:00 to 18:00), `d:2024-09-18`, `M:2024-09`.
 */
export function bucketId(level: Level, start: number): string {
  return `${PREFIX[level]}:${isoUtc(start).slice(0, ISO_CHARS[level])}`;
}

const LEVEL_OF_PREFIX: Record<string, Level> = Object.fromEntries(
  Object.entries(PREFIX).map(([level, prefix]) => [prefix, level]),
) as Record<string, Level>;
const ISO_SUFFIX: Record<Level, string> = {
  minute: ':00Z',
  tenMinutes: '0:00Z',
  hour: ':00:00Z',
  sixHours: ':00:00Z',
  day: 'T00:00:00Z',
  month: '-01T00:00:00Z',
};

/** The bucket a document id belongs to (a head, its set or a chunk of its counts); null for others. */
export function parseBucketId(id: string): { level: Level; start: number } | null {
  const head = id.split('/')[0]!;
  const level = LEVEL_OF_PREFIX[head[0] ?? ''];
  if (level === undefined || head[1] !== ':' || head.length !== 2 + ISO_CHARS[level]) return null;
  const start = Date.parse(`${head.slice(2)}${ISO_SUFFIX[level]}`);
  // A six-hour id names the first of its hours; `s:2024-09-18T13` names no bucket.
  return Number.isNaN(start) || bucketStart(level, start) !== start ? null : { level, start };
}

function isoUtc(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year >= 0 && year <= 9999) {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }
  return d.toISOString();
}

export interface EventBuckets {
  /** Head ids of the event's minute, ten minutes, hour, six hours, day and month. */
  ids: Record<Level, string>;
  starts: Record<Level, number>;
}

/**
 * The buckets of a time, memoised by minute: planning a batch asks for every event's four buckets,
 * and formatting ids and calendar months is the costly part.
 */
export class BucketCache {
  readonly #byMinute = new Map<number, EventBuckets>();

  of(ts: number): EventBuckets {
    const minute = bucketStart('minute', ts);
    let found = this.#byMinute.get(minute);
    if (found === undefined) {
      const starts = {
        minute,
        tenMinutes: bucketStart('tenMinutes', ts),
        hour: bucketStart('hour', ts),
        sixHours: bucketStart('sixHours', ts),
        day: bucketStart('day', ts),
        month: bucketStart('month', ts),
      };
      const ids = {
        minute: bucketId('minute', starts.minute),
        tenMinutes: bucketId('tenMinutes', starts.tenMinutes),
        hour: bucketId('hour', starts.hour),
        sixHours: bucketId('sixHours', starts.sixHours),
        day: bucketId('day', starts.day),
        month: bucketId('month', starts.month),
      };
      this.#byMinute.set(minute, (found = { ids, starts }));
    }
    return found;
  }
}

/** Device ids are grouped by their high 16 bits for per-device counts and top lists. */
const ID_CHUNK_BITS = 16;

export function idChunk(id: number): number {
  return id >>> ID_CHUNK_BITS;
}

/** The bitmap of the bucket's distinct device ids. */
export function setId(headId: string): string {
  return `${headId}/set`;
}

/**
 * The bucket's HyperLogLog and events: all an approx count reads of each whole bucket, apart from
 * the head because FerretDB reads a 4 KiB document in two thirds of the time of a head.
 */
/** One second of a busy minute (planner.ts, MINUTE_DETAIL_EVENTS): `m:<minute>/<ss>`. */
export function minuteSecondId(minuteId: string, second: number): string {
  return `${minuteId}/${String(second).padStart(2, '0')}`;
}

/** A summary bucket's error codes (ErrorsDoc). */
export function errorsId(headId: string): string {
  return `${headId}/errors`;
}

/**
 * A bucket whose error codes outgrew one document keeps them in CODE_PAGES pages instead, each code
 * in the page its hash names (errorsPageId).
 */
export const CODE_PAGES = 64;

export function errorsPageId(headId: string, page: number): string {
  return `${headId}/errors/${page}`;
}

/** The page of a code: a hash of the whole integer (codes are any safe integers). */
export function codePage(code: number): number {
  const low = code % 2 ** 32;
  const high = Math.floor(code / 2 ** 32);
  return (Math.imul((low ^ high) | 0, 0x9e3779b1) >>> 26) % CODE_PAGES;
}

/** Levels whose error codes keep a series over their children: what a series filtered to a code reads. */
export const CODE_SERIES_LEVELS: ReadonlySet<Level> = new Set<Level>(['hour', 'day']);

export function hllId(headId: string): string {
  return `${headId}/hll`;
}

/** The per-device counts of one id chunk in the bucket. */
export function countsId(headId: string, chunk: number): string {
  return `${headId}/c${chunk}`;
}

/** All-time per-device counts and top lists: a bucket without time. */
export const ALL_TIME_ID = 'all';

export const TOTALS_ID = 'totals';

/**
 * Which events were stored in an hour (by the clock of the writer that stored them): per
 * partition, the range of offsets. Retention deletes events by these, oldest hour first.
 */
export function storedLogId(storedAt: number): string {
  return `stored:${isoUtc(bucketStart('hour', storedAt)).slice(0, ISO_CHARS.hour)}`;
}

export const LATEST_DEAD_LETTERS_ID = 'dead-letters';

/** Device details (address, first and last seen, error codes) in documents of 256 ids. */
export const DEVICE_CHUNK_BITS = 8;

export function deviceChunkId(id: number): string {
  return `dev/${id >>> DEVICE_CHUNK_BITS}`;
}
