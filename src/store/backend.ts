import type { Db } from 'mongodb';

/** What the store adapts to the server it talks to; MongoDB gets no restrictions. */
export interface StoreProfile {
  server: 'mongodb' | 'ferretdb';
  /** Update statements sent in one command. */
  updatesPerCommand: number;
  /** Whether the rollup collections may be written concurrently. */
  parallelRollups: boolean;
  /** Rollup phases of all writers run one at a time under a database lease (ms to expiry), or not. */
  rollupLeaseMs: number | null;
}

export const MONGODB_PROFILE: StoreProfile = {
  server: 'mongodb',
  updatesPerCommand: 1000,
  parallelRollups: true,
  rollupLeaseMs: null,
};

// FerretDB 1.24's update command keeps every statement's SQLite cursor (one pooled connection each)
// open until the whole command ends, and each statement then needs one more connection for its
// write; the pool has 100 connections per database. Commands that together hold the pool wait for
// each other forever (seen with one 150-statement command). One statement per command, one command
// at a time per writer, holds at most two connections per writer.
//
// Its updates are also not atomic: it reads the matching document, applies the operators, and
// writes the whole document back in a separate transaction, so two concurrent updates of one
// document can lose one (measured: two clients, 300 $inc each on one document, 486 instead of
// 600). Rollup documents are updated from several partitions at once (a device spelled two ways,
// keys that moved when the topic grew, two owners of a partition during a rebalance), so on
// FerretDB every writer's rollup phase runs alone, under a database lease.
export const FERRETDB_PROFILE: StoreProfile = {
  server: 'ferretdb',
  updatesPerCommand: 1,
  parallelRollups: false,
  rollupLeaseMs: 30_000,
};

/** Asks the server what it is: FerretDB says so in buildInfo. */
export async function detectStoreProfile(db: Db): Promise<StoreProfile> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info ? FERRETDB_PROFILE : MONGODB_PROFILE;
}
