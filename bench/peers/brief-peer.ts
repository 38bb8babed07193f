/**
 * The brief's design as a peer, through its own interface (bench/peers/brief/brief.py, written on
 * another branch): kafka-python consumer threads append to one list, insert_many every 10 s.
 *
 *   brief.py --topic T --group G --brokers B --mongo-uri U --db D --collection C --threads N --expect E
 *
 * It prints JSON lines on stdout: `assigned` when its first consumer has partitions, `saved` after
 * each insert_many (`inserted`: documents inserted by this process so far), `done` once it inserted
 * `expect` documents (then it exits 0), `failed` when a thread failed. Its documents are the decoded
 * values with an ObjectId `_id`, so `seq` is the only trace of the record each came from.
 *
 * When the script is not in the tree, the peers benchmark leaves the brief row out with a note.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from '../../src/config/config.ts';
import { baseClientOptions } from '../../src/kafka/client-options.ts';
import { resolveStateDir } from '../../src/services/paths.ts';
import { runStep } from '../../src/services/tools.ts';
import { MeasuredProcess } from '../measured-process.ts';
import { committedSum, type Peer, type PeerContext, type PeerProcess } from './peer.ts';

export const BRIEF_DIR = fileURLToPath(new URL('./brief/', import.meta.url));
export const BRIEF_SCRIPT = join(BRIEF_DIR, 'brief.py');
export const BRIEF_REQUIREMENTS = join(BRIEF_DIR, 'requirements.txt');

/** How often the design saves its list (brief.py's SAVE_EVERY_S). */
export const BRIEF_SAVE_EVERY_MS = 10_000;

export function briefAvailable(): boolean {
  return existsSync(BRIEF_SCRIPT) && existsSync(BRIEF_REQUIREMENTS);
}

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

/**
 * When a restarted brief has stored all it will: it never learns how many records its first life
 * stored, so it cannot count to the end itself. It is done once the group's offsets are committed
 * to the end (everything was read, and each record read is in the list or saved) and then a save
 * that started after that moment has finished, or a full save period plus slack passed with no save
 * (the list was empty).
 */
export function restartQuiet(
  committedAt: number | null,
  saves: readonly { at: number; seconds: number }[],
  now: number,
  saveEveryMs = BRIEF_SAVE_EVERY_MS,
): boolean {
  if (committedAt === null) return false;
  if (saves.some((s) => s.at - s.seconds * 1000 > committedAt)) return true;
  const last = Math.max(committedAt, ...saves.map((s) => s.at));
  return now - last > saveEveryMs * 1.5;
}

/**
 * The Python of `<state dir>/venv-bench`, with the brief's requirements; made when missing.
 * TODO after merging with the branch that writes brief/: use its bench/peers/venv.ts (ensureVenv),
 * which also remakes the virtualenv when requirements.txt changes.
 */
export async function briefPython(stateDir: string, progress: (m: string) => void): Promise<string> {
  const dir = join(resolveStateDir(stateDir), 'venv-bench');
  const python = join(dir, 'bin', 'python');
  const ready = (): boolean =>
    existsSync(python) &&
    spawnSync(python, ['-c', 'import kafka, pymongo, lz4'], { stdio: 'ignore' }).status === 0;
  if (ready()) return python;
  progress(`creating ${dir} with ${BRIEF_REQUIREMENTS}`);
  await runStep('python3', ['-m', 'venv', dir], { cwd: BRIEF_DIR, timeoutMs: 120_000 });
  await runStep(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-input',
      '-r',
      BRIEF_REQUIREMENTS,
    ],
    { cwd: BRIEF_DIR, timeoutMs: 10 * 60_000 },
  );
  if (!ready()) throw new Error(`${python} cannot import kafka, pymongo and lz4 after installing`);
  return python;
}

export interface BriefPeerOptions {
  python: string;
  kafka: KafkaConfig;
  mongoUri: string;
  group: string;
  db: string;
  collection: string;
  threads: number;
}

export function briefPeer(ctx: PeerContext, o: BriefPeerOptions): Peer {
  let starts = 0;
  return {
    system: 'brief (python)',
    target: { db: o.db, collection: o.collection, seqPath: 'seq' },
    start(): Promise<PeerProcess> {
      const first = starts++ === 0;
      const proc = new MeasuredProcess(
        o.python,
        briefArgs({
          topic: ctx.topic,
          group: o.group,
          brokers: o.kafka.brokers,
          mongoUri: o.mongoUri,
          db: o.db,
          collection: o.collection,
          threads: o.threads,
          // A restart cannot know what its first life stored: it runs until stopped (restartQuiet).
          expect: first ? ctx.total : 2 ** 31 - 1,
        }),
        { PYTHONUNBUFFERED: '1' },
      );
      const lines = (): BriefLine[] =>
        proc
          .lines('stdout')
          .map((l) => parseBriefLine(l.text))
          .filter((l): l is BriefLine => l !== null);
      const saves = (): { at: number; seconds: number; inserted: number }[] =>
        proc.lines('stdout').flatMap((l) => {
          const line = parseBriefLine(l.text);
          return line?.type === 'saved' ? [{ at: l.at, seconds: line.seconds, inserted: line.inserted }] : [];
        });
      let committedAt: number | null = null;
      return Promise.resolve({
        proc,
        assigned: async (timeoutMs) =>
          (
            await proc.waitForLine(
              'stdout',
              (t) => {
                const type = parseBriefLine(t)?.type;
                return type === 'assigned' || type === 'failed';
              },
              timeoutMs,
            )
          ).at,
        stored: () => Promise.resolve(saves().at(-1)?.inserted ?? 0),
        done: async () => {
          const all = lines();
          const failed = all.find((l) => l.type === 'failed');
          if (failed?.type === 'failed') throw new Error(`brief.py failed: ${failed.error}`);
          if (first) {
            if (all.some((l) => l.type === 'done')) return true;
          } else {
            if (committedAt === null && (await committedSum(ctx, o.group)) >= ctx.total)
              committedAt = performance.now();
            if (restartQuiet(committedAt, saves(), performance.now())) return true;
          }
          if (proc.child.exitCode !== null || proc.child.signalCode !== null)
            throw new Error(`brief.py exited before it was done\n${proc.tail()}`);
          return false;
        },
        stop: async () => {
          if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
          await proc.waitForExit(60_000);
        },
      });
    },
    extras: () => Promise.resolve({}),
    async cleanup() {
      const admin = new Admin(baseClientOptions(o.kafka, 'bench-peers-admin'));
      await admin.deleteGroups({ groups: [o.group] }).catch(() => undefined);
      await admin.close().catch(() => undefined);
    },
  };
}
