/**
 * The documents one plan reads and writes: what each holds after the plan (what heads summarise),
 * the writes in order, and the documents only the plan found it needs (read in a second round).
 */
import { InternalError } from '../errors/index.ts';
import {
  advanced,
  type CurrentDocs,
  type Offset,
  type PlannedWrite,
  type RollupCollection,
} from './rollup-batch.ts';
import type { Guarded } from './schema.ts';

export class PlanDocs {
  readonly writes: PlannedWrite[] = [];
  /** Documents the plan needs that were not read (pages of error codes, seconds of a busy minute). */
  readonly missing = new Set<string>();
  readonly #after = new Map<string, Guarded | null>();

  constructor(current: CurrentDocs) {
    for (const [id, doc] of current) this.#after.set(id, doc);
  }

  /** A document touchedDocs named (null: it does not exist yet). */
  get<D extends Guarded>(id: string): D | null {
    if (!this.#after.has(id))
      throw new InternalError(`planRollups: ${id} was not read (touchedDocs is out of step)`);
    return this.#after.get(id) as D | null;
  }

  /** A document only the plan finds it needs: null (and noted in `missing`) until read. */
  page<D extends Guarded>(id: string): D | null {
    if (!this.#after.has(id)) {
      this.missing.add(id);
      return null;
    }
    return this.#after.get(id) as D | null;
  }

  /**
   * Plans document `id` over `before` (null: a new document): its `fields`, and its marks advanced
   * past `applied` (or `hw`, for a page taking its bucket's). Writes of a lower phase go first.
   */
  put<D extends Guarded>(
    collection: RollupCollection,
    phase: number,
    before: D | null,
    id: string,
    applied: readonly Offset[],
    fields: Omit<D, keyof Guarded>,
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
}
