/**
 * What the peers benchmark needs of a system under test, whatever it is (ipstream, Kafka Connect
 * with MongoDB's sink, the brief's Python design): start it with one fixed configuration (starting
 * again after a SIGKILL is the restart: same group, same offsets, same config), know when its
 * consumers have their first partitions, how much it has stored by its own account, and when it is
 * done.
 */
import { execFileSync } from 'node:child_process';
import type { MongoClient } from 'mongodb';
import type { TopicAdmin } from '../../src/kafka/index.ts';
import type { MeasuredProcess } from '../measured-process.ts';

export interface PeerContext {
  admin: TopicAdmin;
  mongo: MongoClient;
  mongoUri: string;
  topic: string;
  partitions: number;
  /** Records in the topic. */
  total: number;
  progress: (message: string) => void;
}

export interface PeerProcess {
  proc: MeasuredProcess;
  /** When (performance.now()) its consumers had their first partitions. */
  assigned(timeoutMs: number): Promise<number>;
  /** Records stored so far by the system's own account (committed offsets where a commit follows the store). */
  stored(): Promise<number>;
  /** Whether everything it will store is stored; throws when the system reported a failure. */
  done(): Promise<boolean>;
  /** Stops it the way its operators would (SIGTERM), and waits for the exit. */
  stop(): Promise<void>;
}

export interface StoreTarget {
  db: string;
  collection: string;
  /**
   * Where a stored document keeps the record's seq: `seq`, or `extra.seq` in ipstream's events
   * (in its buckets, `seq` in each entry of the `extra` array).
   */
  seqPath: string;
  /** Where a document keeps several records, each with its seq at seqPath (ipstream's buckets). */
  arrayPath?: string;
}

export interface Peer {
  system: string;
  target: StoreTarget;
  /** Starts the system (again, after a kill: the same configuration). */
  start(): Promise<PeerProcess>;
  /** Numbers worth keeping about the run, read after it (dead letters, rollup totals...). */
  extras(): Promise<Record<string, number | string | boolean | null>>;
  /** Deletes what the run created besides its database (groups, topics, files). */
  cleanup(): Promise<void>;
}

/** Sum of the group's committed offsets over the topic's partitions (0 for none yet). */
export async function committedSum(ctx: PeerContext, group: string): Promise<number> {
  const offsets = await ctx.admin.committed(ctx.topic, group, ctx.partitions);
  return offsets.reduce<number>((n, c) => n + (c ?? 0), 0);
}

/**
 * The absolute path of a program on this process's PATH: children get an environment of their own
 * settings only (as the pipeline benchmark's do), so they cannot look programs up themselves.
 */
export function commandPath(name: string): string {
  try {
    const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return found === '' ? name : found;
  } catch {
    return name;
  }
}
