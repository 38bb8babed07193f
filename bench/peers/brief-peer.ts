/**
 * The brief's design as a peer (bench/peers/brief/brief.py, started through brief-process.ts):
 * kafka-python consumer threads append to one list, insert_many every 10 s. Its documents are the
 * decoded values with an ObjectId `_id`, so `seq` is the only trace of the record each came from.
 *
 * When the script is not in the tree, the peers benchmark leaves the brief row out with a note.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from '../../src/config/index.ts';
import { baseClientOptions } from '../../src/kafka/index.ts';
import { type BriefLine, briefArgs, parseBriefLine, spawnBrief } from './brief-process.ts';
import { BRIEF_REQUIREMENTS, BRIEF_SCRIPT } from './venv.ts';
import { committedSum, type Peer, type PeerContext, type PeerProcess } from './peer.ts';

/** How often the design saves its list (brief.py's SAVE_EVERY_S). */
export const BRIEF_SAVE_EVERY_MS = 10_000;

export function briefAvailable(): boolean {
  return existsSync(BRIEF_SCRIPT) && existsSync(BRIEF_REQUIREMENTS);
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
      const proc = spawnBrief(
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
