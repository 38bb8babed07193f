import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { OutgoingRecord } from '../kafka/index.ts';

/**
 * Where `produce --file` puts the lines the cluster did not acknowledge, unless told: beside the
 * input, `<name>.unacked.jsonl`, or `<name>.unacked-2.jsonl` and so on when that is taken (a file
 * of an earlier run may still wait to be sent). The input itself is never the answer.
 */
export function defaultUnackedPath(input: string, exists: (path: string) => boolean = existsSync): string {
  const ext = extname(input);
  const stem = join(dirname(input), basename(input, ext));
  for (let n = 1; ; n++) {
    const candidate = `${stem}.unacked${n === 1 ? '' : `-${n}`}.jsonl`;
    if (!exists(candidate)) return candidate;
  }
}

/**
 * The lines of records the cluster did not acknowledge, one per line exactly as read, appended as
 * they are known (so a run stopped later keeps what it had found). `produce --file <path>` sends
 * exactly these lines again. The file is created on the first line only.
 */
export class UnackedLines {
  readonly path: string;
  #fd: number | undefined;
  #lines = 0;

  constructor(path: string) {
    this.path = path;
  }

  get lines(): number {
    return this.#lines;
  }

  append(records: OutgoingRecord[]): void {
    if (records.length === 0) return;
    this.#fd ??= openSync(this.path, 'w');
    const text = Buffer.concat(
      records.flatMap((r) => [typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value, NEWLINE]),
    );
    for (let done = 0; done < text.length;) done += writeSync(this.#fd, text, done);
    this.#lines += records.length;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

const NEWLINE = Buffer.from('\n');
