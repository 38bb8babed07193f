/**
 * How the benchmarks talk to bench/peers/brief/brief.py, the brief's design: its command line, the
 * JSON lines it prints on stdout, and the virtualenv Python that runs it. The pipeline benchmark
 * (bench/pipeline/brief.ts) and the peers benchmark (brief-peer.ts) both start it through this.
 */
import { MeasuredProcess } from '../measured-process.ts';
import { BRIEF_REQUIREMENTS, BRIEF_SCRIPT, ensureVenv, venvDir } from './venv.ts';

/** What brief.py prints on stdout, one JSON object a line. */
export type BriefLine =
  | { type: 'assigned'; thread: number; partitions: number[] }
  | { type: 'saved'; docs: number; inserted: number; seconds: number }
  | { type: 'done'; inserted: number; inserts: number }
  | { type: 'failed'; error: string };

export function parseBriefLine(text: string): BriefLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const line = JSON.parse(text) as { type?: unknown };
    return typeof line.type === 'string' ? (line as BriefLine) : null;
  } catch {
    return null;
  }
}

export interface BriefArgs {
  topic: string;
  group: string;
  brokers: readonly string[];
  mongoUri: string;
  db: string;
  collection: string;
  threads: number;
  expect: number;
}

/** The command line of brief.py for one run. */
export function briefArgs(a: BriefArgs): string[] {
  return [
    BRIEF_SCRIPT,
    '--topic',
    a.topic,
    '--group',
    a.group,
    '--brokers',
    a.brokers.join(','),
    '--mongo-uri',
    a.mongoUri,
    '--db',
    a.db,
    '--collection',
    a.collection,
    '--threads',
    String(a.threads),
    '--expect',
    String(a.expect),
  ];
}

/** Starts brief.py with the venv's Python: unbuffered, nothing of this process's environment. */
export function spawnBrief(python: string, args: string[]): MeasuredProcess {
  return new MeasuredProcess(python, args, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' });
}

let venv: { dir: string; python: Promise<string> } | undefined;

/** The Python of the peers' virtualenv (`<state dir>/venv-bench`), made or checked once per process. */
export function briefPython(stateDir: string, progress: (m: string) => void): Promise<string> {
  const dir = venvDir(stateDir);
  if (venv?.dir !== dir) {
    const python = ensureVenv(dir, BRIEF_REQUIREMENTS, progress);
    // A failure is reported by every brief run; the promise must not count as unhandled meanwhile.
    python.catch(() => undefined);
    venv = { dir, python };
  }
  return venv.python;
}
