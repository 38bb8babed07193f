/**
 * Where one store write spends its time, step by step: `insert` (the events themselves), `lease`
 * (waiting for FerretDB's rollup lease, and releasing it), `decide` (the record log: which records
 * are events, dead letters or stored already; with buckets, the bucket inserts too), `devices`
 * (registering new devices), `read` (the rollup documents the batch touches), `plan` (the new
 * rollups, pure CPU), `rollups` (writing them, then the device_stats documents a slice at a time,
 * each read, planned and written), `finish` (dead letters, and events of records that are not
 * events).
 */
export const STORE_STEPS = [
  'insert',
  'lease',
  'decide',
  'devices',
  'read',
  'plan',
  'rollups',
  'finish',
] as const;
export type StoreStep = (typeof STORE_STEPS)[number];

/** Milliseconds by step, summed over laps. */
export class StepClock {
  readonly ms: Partial<Record<StoreStep, number>> = {};
  #last = performance.now();

  /** Charges the time since the previous lap (or the clock's start) to `step`. */
  lap(step: StoreStep): void {
    const now = performance.now();
    this.ms[step] = (this.ms[step] ?? 0) + (now - this.#last);
    this.#last = now;
  }
}
