/**
 * A child process whose CPU time and memory the benchmark watches from outside, through /proc
 * (Linux): utime + stime of /proc/<pid>/stat count every thread of the process, and VmHWM of
 * /proc/<pid>/status is its peak resident set so far. Elsewhere the samples are null.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export interface ProcSample {
  /** CPU time of all threads so far (ms). */
  cpuMs: number;
  /** Peak resident set so far (KiB). */
  peakRssKb: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc times (USER_HZ, almost always 100). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime (ticks) from the text of /proc/<pid>/stat; the command name may hold spaces. */
export function parseProcStat(text: string): number | null {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** VmHWM (KiB) from the text of /proc/<pid>/status. */
export function parseVmHwm(text: string): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) : null;
}

/** VmRSS (KiB, resident now) from the text of /proc/<pid>/status. */
export function parseVmRss(text: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * write_bytes from the text of /proc/<pid>/io: bytes the process caused to be sent to the storage
 * layer (page cache writeback it dirtied), all threads, since it started.
 */
export function parseIoWriteBytes(text: string): number | null {
  const match = /^write_bytes:\s+(\d+)$/m.exec(text);
  return match ? Number(match[1]) : null;
}

/** Bytes the process has caused to be written so far (null where /proc cannot tell). */
export function readWriteBytes(pid: number): number | null {
  try {
    return parseIoWriteBytes(readFileSync(`/proc/${pid}/io`, 'utf8'));
  } catch {
    return null;
  }
}

export function readProcSample(pid: number): ProcSample | null {
  try {
    const ticks = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const hwm = parseVmHwm(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (ticks === null || hwm === null) return null;
    return { cpuMs: (ticks * 1000) / ticksPerSecond(), peakRssKb: hwm };
  } catch {
    return null;
  }
}

export interface Line {
  text: string;
  /** performance.now() when the line arrived. */
  at: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class MeasuredProcess {
  readonly child: ChildProcess;
  /** performance.now() right after spawning. */
  readonly spawnedAt: number;
  readonly exited: Promise<Exit>;
  readonly #lines: { stdout: Line[]; stderr: Line[] } = { stdout: [], stderr: [] };
  readonly #waiters = new Set<() => void>();
  #last: ProcSample | null = null;
  #sampler: NodeJS.Timeout;
  #exit: Exit | null = null;

  constructor(command: string, args: string[], env: Record<string, string>, sampleMs = 100) {
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.spawnedAt = performance.now();
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = this.child[name];
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (text) => {
        const lines = this.#lines[name];
        lines.push({ text, at: performance.now() });
        // Children can be chatty (a progress ticker); the head and the recent tail are enough.
        if (lines.length > 2000) lines.splice(100, lines.length - 1000);
        this.#wake();
      });
    }
    this.#sampler = setInterval(() => this.sample(), sampleMs);
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        clearInterval(this.#sampler);
        this.#exit = { code, signal };
        resolve(this.#exit);
        this.#wake();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Reads /proc now; the last good sample survives the process (its final values are lost). */
  sample(): ProcSample | null {
    if (this.#exit !== null) return this.#last;
    const s = readProcSample(this.pid);
    if (s !== null) this.#last = s;
    return this.#last;
  }

  lines(stream: 'stdout' | 'stderr'): readonly Line[] {
    return this.#lines[stream];
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** The first line (already seen or yet to come) that matches; fails on exit or timeout. */
  waitForLine(
    stream: 'stdout' | 'stderr',
    match: (text: string) => boolean,
    timeoutMs: number,
  ): Promise<Line> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.#lines[stream].find((l) => match(l.text));
        if (found !== undefined) {
          finish();
          resolve(found);
          return true;
        }
        if (this.#exit !== null) {
          finish();
          reject(
            new Error(`process exited (${this.#describeExit()}) before the expected line\n${this.tail()}`),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no expected line after ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      this.#waiters.add(waiter);
      check();
    });
  }

  /** Waits for the exit; after timeoutMs sends SIGTERM, and SIGKILL 10 s later. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    const timer = setTimeout(() => {
      this.child.kill('SIGTERM');
      setTimeout(() => this.child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.#exit === null) this.child.kill('SIGKILL');
  }

  #describeExit(): string {
    return this.#exit === null ? 'running' : `code ${this.#exit.code}, signal ${this.#exit.signal}`;
  }

  /** The last lines of stderr, for error messages. */
  tail(lines = 15): string {
    return this.#lines.stderr
      .slice(-lines)
      .map((l) => `  ${l.text}`)
      .join('\n');
  }
}
