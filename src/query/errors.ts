/**
 * Error codes over any time range, exact, without reading events: per code, its events and the
 * distinct devices that raised it. The range is tiled as for unique IPs (tiling.ts): whole months,
 * days, six hours, hours and ten minutes answer from their error codes (per code, events and the
 * device bitmap), whole minutes and the parts of minutes at the edges from the minutes' events
 * (each with its code and millisecond). Devices of a code are the union of its bitmaps.
 */
import type { Db } from 'mongodb';
import { BitmapUnion, decodeCodeEntries, loadBitmaps } from '../sketch/index.ts';
import { bucketId, type ErrorsDoc, errorsId, errorsPageId, type MinuteDoc } from '../store/index.ts';
import { isoOrNull, type TimeRange, tiledBounds } from './range.ts';
import { QueryReader } from './reader.ts';
import { minuteEvents } from './minutes.ts';
import { type Piece, tileRange } from './tiling.ts';

export const DEFAULT_ERROR_CODES_LIMIT = 20;

export interface ErrorCodeItem {
  errorCode: number;
  events: number;
  /** Distinct devices that raised the code in the range, exact. */
  devices: number;
}

export interface ErrorCodesAnswer {
  items: ErrorCodeItem[];
  /** Events of every code in the range. */
  events: number;
  from: string | null;
  to: string | null;
}

/** The document a piece is answered from: a bucket's error codes, or a minute's events. */
function docId(piece: Piece): string {
  if (piece.kind === 'partial' || piece.level === 'minute') return bucketId('minute', piece.start);
  return errorsId(bucketId(piece.level, piece.start));
}

/** Per code, a running total of events and a union of devices. */
class Tally {
  readonly #events = new Map<number, number>();
  readonly #devices = new Map<number, BitmapUnion>();

  #union(code: number): BitmapUnion {
    let union = this.#devices.get(code);
    if (union === undefined) this.#devices.set(code, (union = new BitmapUnion()));
    return union;
  }

  addBitmap(code: number, events: number, bitmap: Uint8Array): void {
    this.#events.set(code, (this.#events.get(code) ?? 0) + events);
    this.#union(code).addBitmap(bitmap);
  }

  addIds(code: number, ids: number[]): void {
    this.#events.set(code, (this.#events.get(code) ?? 0) + ids.length);
    this.#union(code).addIds(ids);
  }

  items(): ErrorCodeItem[] {
    return [...this.#events].map(([errorCode, events]) => ({
      errorCode,
      events,
      devices: this.#devices.get(errorCode)!.size,
    }));
  }

  close(): void {
    for (const union of this.#devices.values()) union.close();
  }
}

export async function errorCodes(db: Db, range: TimeRange, limit: number): Promise<ErrorCodesAnswer> {
  const reader = await QueryReader.open(db);
  const answer = { from: isoOrNull(range.from), to: isoOrNull(range.to) };
  const closed = await reader.closeRange(range);
  if (closed === null) return { ...answer, items: [], events: 0 };
  const bounds = tiledBounds(range, closed);
  const pieces = tileRange(bounds.from, bounds.to);
  const docs = await reader.rollups<MinuteDoc | ErrorsDoc>(pieces.map(docId), 'the error codes');
  // A bucket with more codes than one document holds keeps them in pages: read them all.
  const paged = [...docs.values()].flatMap((d) =>
    d !== null && 'pages' in d && d.pages !== undefined
      ? Array.from({ length: d.pages }, (_, page) => errorsPageId(d._id.slice(0, -'/errors'.length), page))
      : [],
  );
  const minutes = await minuteEvents(reader, docs, pieces, 'the error codes', true);
  const pages =
    paged.length === 0
      ? new Map<string, ErrorsDoc | null>()
      : await reader.rollups<ErrorsDoc>(paged, 'the error codes');
  await loadBitmaps();
  const tally = new Tally();
  try {
    for (const [i, piece] of pieces.entries()) {
      const doc = docs.get(docId(piece)) ?? null;
      if (doc === null) continue;
      if ('detail' in doc && piece.kind === 'bucket' && doc.codeStats !== undefined) {
        // A whole busy minute: its codes' figures, without its seconds.
        for (const entry of decodeCodeEntries(doc.codeStats.buffer).values())
          tally.addBitmap(entry.code, entry.events, entry.devices);
        continue;
      }
      if (!('detail' in doc)) {
        const holders =
          doc.pages === undefined
            ? [doc]
            : Array.from({ length: doc.pages }, (_, page) => pages.get(`${doc._id}/${page}`) ?? null);
        for (const holder of holders) {
          if (holder === null) continue;
          for (const entry of decodeCodeEntries(holder.codes.buffer).values())
            tally.addBitmap(entry.code, entry.events, entry.devices);
        }
        continue;
      }
      const minute = minutes.get(i)!;
      if (minute.codes === null) continue;
      const [fromMs, toMs] = piece.kind === 'partial' ? [piece.fromMs, piece.toMs] : [0, 60_000];
      const byCode = new Map<number, number[]>();
      for (let i = 0; i < minute.ms.length; i++) {
        const ms = minute.ms[i]!;
        if (ms < fromMs || ms >= toMs) continue;
        const code = minute.codes[i]!;
        const ids = byCode.get(code);
        if (ids === undefined) byCode.set(code, [minute.ids[i]!]);
        else ids.push(minute.ids[i]!);
      }
      for (const [code, ids] of byCode) tally.addIds(code, ids);
    }
    const items = tally.items().sort((a, b) => b.events - a.events || a.errorCode - b.errorCode);
    return {
      ...answer,
      items: items.slice(0, limit),
      events: items.reduce((sum, item) => sum + item.events, 0),
    };
  } finally {
    tally.close();
  }
}
