/**
 * What the local store server (FerretDB started by `ipstream services up`) spends during one
 * measured phase, read from /proc without touching it: bytes it wrote (write_bytes of
 * /proc/<pid>/io, whole process, so a shared server's other clients count too), its resident set
 * sampled (VmRSS), and the size of the phase database's SQLite write-ahead log
 * (`<data dir>/<db>.sqlite-wal`). Every value is null when there is no such process or file.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveStateDir } from '../src/local-services/index.ts';
import { parseIoWriteBytes, parseVmRss } from './measured-process.ts';

export interface StoreUsage {
  /** Bytes written by the server process over the phase. */
  writeBytes: number | null;
  /** Largest resident set seen (KiB). */
  peakRssKb: number | null;
  /** Largest size of the database's WAL file seen (bytes). */
  peakWalBytes: number | null;
}

/** `--data-dir X` or `--data-dir=X` from a command line, as FerretDB takes it. */
export function dataDirOf(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data-dir') return argv[i + 1] ?? null;
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length);
  }
  return null;
}

/** Where the local FerretDB keeps its SQLite files: from its command line, else the state folder's. */
export function ferretDataDir(pid: number | null, stateDir: string): string {
  if (pid !== null) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      const dir = dataDirOf(argv);
      if (dir !== null) return dir;
    } catch {
      // Gone, or not Linux: the default place.
    }
  }
  return join(resolveStateDir(stateDir), 'ferretdb', 'data');
}

export function walPath(dataDir: string, db: string): string {
  return join(dataDir, `${db}.sqlite-wal`);
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function writeBytes(pid: number | null): number | null {
  if (pid === null) return null;
  const text = read(`/proc/${pid}/io`);
  return text === null ? null : parseIoWriteBytes(text);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** Samples from construction to stop(), every `everyMs`. */
export class StoreSampler {
  readonly #pid: number | null;
  readonly #wal: string | null;
  readonly #from: number | null;
  readonly #timer: NodeJS.Timeout;
  #peakRssKb: number | null = null;
  #peakWalBytes: number | null = null;

  constructor(pid: number | null, wal: string | null, everyMs = 200) {
    this.#pid = pid;
    this.#wal = wal;
    this.#from = writeBytes(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  #sample(): void {
    if (this.#pid !== null) {
      const status = read(`/proc/${this.#pid}/status`);
      this.#peakRssKb = maxOf(this.#peakRssKb, status === null ? null : parseVmRss(status));
    }
    if (this.#wal !== null) {
      try {
        this.#peakWalBytes = maxOf(this.#peakWalBytes, statSync(this.#wal).size);
      } catch {
        // Not there (yet, or any more): nothing to add.
      }
    }
  }

  stop(): StoreUsage {
    clearInterval(this.#timer);
    this.#sample();
    const to = writeBytes(this.#pid);
    return {
      // A restarted server (another process) has counted from zero again: nothing to tell.
      writeBytes: this.#from === null || to === null || to < this.#from ? null : to - this.#from,
      peakRssKb: this.#peakRssKb,
      peakWalBytes: this.#peakWalBytes,
    };
  }
}
