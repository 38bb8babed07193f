/**
 * The minutes of a plan (see MinutePlanner.plan).
 */
import {
  addToBitmap,
  type CodeEntry,
  countIds,
  decodeCodeEntries,
  encodeCodeEntries,
  encodeMinuteCodes,
  encodeMinuteEvents,
  mergeMinuteEvents,
  minuteEvents,
  NO_EVENTS,
} from '../sketch/index.ts';
import { minuteSecondId } from './levels.ts';
import type { PlanDocs } from './plan-docs.ts';
import { binary, bytesOf, fresh, groupBy, minuteOf, type RollupEvent } from './rollup-batch.ts';
import type { MinuteDoc } from './schema.ts';

/**
 * Events a minute keeps in its own document; past them, in a document per second (about 300 KiB
 * to 600 KiB of events: far from the store's 16 MiB, and cheap to rewrite every batch).
 */
export const MINUTE_DETAIL_EVENTS = 100_000;

export class MinutePlanner {
  readonly #docs: PlanDocs;

  constructor(docs: PlanDocs) {
    this.#docs = docs;
  }

  /**
   * A minute: its events (millisecond, device, code) in its own document while it holds fewer than
   * MINUTE_DETAIL_EVENTS. A minute that holds that many (a busy minute, live traffic at tens of
   * thousands of events a second) takes further events into a document per second of it
   * (`m:<minute>/<ss>`), chosen by the event's time, so that no document caps the rate. Whether an
   * event goes to a second is decided by what the minute held before the plan, which a crash does
   * not change, so every delivery routes an event the same way; each document is guarded by its
   * own marks. The minute keeps its totals, its devices (a bitmap) and its codes' figures once it
   * has seconds, so that nothing summarising it reads them.
   */
  plan(id: string, start: number, entries: RollupEvent[]): void {
    const before = this.#docs.get<MinuteDoc>(id);
    const add = fresh(before?.hw, entries);
    if (add.length === 0) return;
    if (before !== null && (before.seconds === true || before.events >= MINUTE_DETAIL_EVENTS)) {
      this.#busy(id, start, before, add, entries);
      return;
    }
    const detail = mergeMinuteEvents(
      before === null ? NO_EVENTS : minuteOf(before),
      minuteEvents(add.map((e) => ({ ms: e.ts - start, id: e.id, code: e.code }))),
    );
    this.#docs.put<MinuteDoc>('rollups', 0, before, id, add, {
      start: new Date(start),
      events: detail.ms.length,
      unique: countIds(detail.ids).ids.length,
      detail: binary(encodeMinuteEvents(detail)),
      ...(detail.codes === null ? {} : { codes: binary(encodeMinuteCodes(detail.codes)) }),
    });
  }

  #busy(
    id: string,
    start: number,
    before: MinuteDoc,
    add: readonly RollupEvent[],
    entries: RollupEvent[],
  ): void {
    for (const [second, list] of groupBy(entries, (e) => Math.floor((e.ts - start) / 1000))) {
      const secondId = minuteSecondId(id, second);
      const doc = this.#docs.page<MinuteDoc>(secondId);
      const fresh_ = fresh(doc?.hw, list);
      if (fresh_.length === 0) continue;
      const detail = mergeMinuteEvents(
        doc === null ? NO_EVENTS : minuteOf(doc),
        minuteEvents(fresh_.map((e) => ({ ms: e.ts - start, id: e.id, code: e.code }))),
      );
      this.#docs.put<MinuteDoc>('rollups', 0, doc, secondId, fresh_, {
        start: new Date(start + second * 1000),
        events: detail.ms.length,
        unique: countIds(detail.ids).ids.length,
        detail: binary(encodeMinuteEvents(detail)),
        ...(detail.codes === null ? {} : { codes: binary(encodeMinuteCodes(detail.codes)) }),
      });
    }
    // The minute's own figures, from what it held (its own events, or its figures once it has
    // seconds) and the events fresh to it.
    const held = before.seconds === true ? null : minuteOf(before);
    const devices = addToBitmap(before.devices === undefined ? null : bytesOf(before.devices), [
      ...(held?.ids ?? []),
      ...add.map((e) => e.id),
    ]);
    const codes =
      before.codeStats === undefined
        ? new Map<number, CodeEntry>()
        : decodeCodeEntries(bytesOf(before.codeStats));
    const heldCodes = held?.codes ?? null;
    const byCode = new Map<number, number[]>();
    const note = (code: number, device: number) => {
      const list = byCode.get(code);
      if (list === undefined) byCode.set(code, [device]);
      else list.push(device);
    };
    if (held !== null && heldCodes !== null) heldCodes.forEach((code, i) => note(code, held.ids[i]!));
    for (const e of add) note(e.code, e.id);
    for (const [code, ids] of byCode) {
      const entry = codes.get(code);
      const set = addToBitmap(entry === undefined ? null : entry.devices, ids);
      codes.set(code, {
        code,
        events: (entry?.events ?? 0) + ids.length,
        devices: set.bytes,
        unique: set.size,
      });
    }
    this.#docs.put<MinuteDoc>('rollups', 0.5, before, id, add, {
      start: new Date(start),
      events: before.events + add.length,
      unique: devices.size,
      detail: before.detail,
      ...(before.codes === undefined ? {} : { codes: before.codes }),
      seconds: true,
      devices: binary(devices.bytes),
      codeStats: binary(encodeCodeEntries(codes.values())),
    });
  }
}
