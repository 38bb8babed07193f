/**
 * Lost and duplicated events against the generator. Every produced record carries `seq`, its index
 * in the produced stream (0..total-1), in its value; each system stores the value's fields, so
 * every stored document holds the `seq` of the record it came from, whatever `_id` the system gave
 * it. Counting the occurrences of each `seq` over everything a system stored says how often each
 * produced record was stored: zero times is lost, more than once is duplicated. This counts a
 * duplicate even where a system's ids would hide it from a count by `_id` (a record stored twice
 * under two ids shows up as one `seq` seen twice).
 */

export interface Tally {
  /** Documents seen (all of them, including foreign ones). */
  documents: number;
  /** Produced records stored at least once. */
  stored: number;
  /** Produced records stored zero times. */
  lost: number;
  /** Produced records stored more than once. */
  duplicated: number;
  /** Copies beyond the first, summed over the duplicated records. */
  extraCopies: number;
  /** Documents whose seq is missing or not one of the produced records. */
  foreign: number;
  /** The first few lost seqs, for the notes of a failed check. */
  lostSample: number[];
}

/** Counts the occurrences of each seq in 0..total-1; a count saturates at 255 (still "more than once"). */
export class SeqTally {
  readonly #counts: Uint8Array;
  #documents = 0;
  #foreign = 0;
  #extra = 0;

  readonly total: number;

  constructor(total: number) {
    this.total = total;
    this.#counts = new Uint8Array(total);
  }

  /** One stored document's seq (a number, or anything else for a document that has none). */
  add(seq: unknown): void {
    this.#documents++;
    const n = typeof seq === 'number' ? seq : typeof seq === 'string' ? Number(seq) : NaN;
    if (!Number.isInteger(n) || n < 0 || n >= this.total) {
      this.#foreign++;
      return;
    }
    const c = this.#counts[n]!;
    if (c > 0) this.#extra++;
    if (c < 255) this.#counts[n] = c + 1;
  }

  result(sample = 5): Tally {
    let stored = 0;
    let duplicated = 0;
    const lostSample: number[] = [];
    for (let i = 0; i < this.total; i++) {
      const c = this.#counts[i]!;
      if (c === 0) {
        if (lostSample.length < sample) lostSample.push(i);
        continue;
      }
      stored++;
      if (c > 1) duplicated++;
    }
    return {
      documents: this.#documents,
      stored,
      lost: this.total - stored,
      duplicated,
      extraCopies: this.#extra,
      foreign: this.#foreign,
      lostSample,
    };
  }
}

/** Reads a dotted path (`extra.seq`) out of a document. */
export function pathValue(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The value of record `seq`: the generator's JSON object with `"seq":<n>` appended. */
export function withSeq(value: string, seq: number): string {
  if (!value.endsWith('}')) throw new Error(`expected a JSON object, got ${value.slice(0, 40)}`);
  return `${value.slice(0, -1)},"seq":${seq}}`;
}
