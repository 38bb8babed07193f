/**
 * The error codes of a plan's summary buckets (see CodePlanner.plan).
 */
import { addToBitmap, type CodeEntry, decodeCodeEntries, encodeCodeEntries } from '../sketch/index.ts';
import {
  type BucketCache,
  bucketId,
  CHILD_LEVEL,
  childCount,
  childIndex,
  CODE_PAGES,
  CODE_SERIES_LEVELS,
  codePage,
  errorsId,
  errorsPageId,
  type Level,
  SUMMARY_LEVELS,
} from './levels.ts';
import type { PlanDocs } from './plan-docs.ts';
import { advanced, binary, bytesOf, fresh, groupBy, minuteOf, type RollupEvent } from './rollup-batch.ts';
import type { ErrorsDoc, MinuteDoc } from './schema.ts';

/**
 * The most one document of a bucket's error codes holds before they move to pages: far below the
 * store's 16 MiB, so that a page, with a 64th of the codes, has room for many times more.
 */
const CODES_DOC_BYTES = 4 * 1024 * 1024;

export class CodePlanner {
  readonly #docs: PlanDocs;
  readonly #buckets: BucketCache;
  readonly #decodedCodes = new WeakMap<object, ReadonlyMap<number, { events: number; unique: number }>>();

  constructor(docs: PlanDocs, buckets: BucketCache) {
    this.#docs = docs;
    this.#buckets = buckets;
  }

  /**
   * A summary bucket's error codes: per code of its fresh entries, the events and the devices, and
   * in hours and days the code's series over the children that `entries` touch, recomputed from
   * their new contents (children are written first). One document, until it outgrows
   * CODES_DOC_BYTES: then every code moves to its page (CODE_PAGES of them), each page with the
   * document's marks, and the document says so after its pages are written, so that a crash in
   * between leaves it whole and the move is made again.
   */
  plan(level: Exclude<Level, 'minute'>, headId: string, start: number, entries: RollupEvent[]): void {
    const id = errorsId(headId);
    const head = this.#docs.get<ErrorsDoc>(id);
    const phase = 1 + SUMMARY_LEVELS.indexOf(level);
    if (head?.pages !== undefined) {
      for (const [page, list] of groupBy(entries, (e) => codePage(e.code))) {
        const pageId = errorsPageId(headId, page);
        const before = this.#docs.page<ErrorsDoc>(pageId);
        const update = this.#codeTable(level, start, before, list);
        if (update === null) continue;
        this.#docs.put<ErrorsDoc>('rollups', phase, before, pageId, update.add, {
          codes: binary(encodeCodeEntries(update.table.values())),
        });
      }
      return;
    }
    const update = this.#codeTable(level, start, head, entries);
    if (update === null) return;
    const codes = encodeCodeEntries(update.table.values());
    if (codes.length <= CODES_DOC_BYTES) {
      this.#docs.put<ErrorsDoc>('rollups', phase, head, id, update.add, { codes: binary(codes) });
      return;
    }
    const hw = advanced(head?.hw, update.add);
    const byPage = groupBy([...update.table.values()], (e) => codePage(e.code));
    for (let page = 0; page < CODE_PAGES; page++) {
      const pageId = errorsPageId(headId, page);
      this.#docs.put<ErrorsDoc>(
        'rollups',
        phase,
        this.#docs.page<ErrorsDoc>(pageId),
        pageId,
        [],
        {
          codes: binary(encodeCodeEntries(byPage.get(page) ?? [])),
        },
        hw,
      );
    }
    this.#docs.put<ErrorsDoc>('rollups', phase + 0.5, head, id, update.add, {
      codes: binary(encodeCodeEntries([])),
      pages: CODE_PAGES,
    });
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
      const doc = this.#docs.get<ErrorsDoc>(errorsId(headId));
      const holder =
        doc?.pages === undefined ? doc : this.#docs.page<ErrorsDoc>(errorsPageId(headId, codePage(code)));
      return holder === null ? undefined : this.#codesOf(holder).get(code);
    }
    const doc = this.#docs.get<MinuteDoc>(bucketId('minute', start));
    if (doc?.codeStats !== undefined) return decodeCodeEntries(bytesOf(doc.codeStats)).get(code);
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
}
