import type { Db } from 'mongodb';

/** What the store adapts to the server it talks to; MongoDB gets no restrictions. */
export interface StoreProfile {
  server: 'mongodb' | 'ferretdb';
  /** Update statements sent in one command. */
  updatesPerCommand: number;
  /** Whether the rollup collections may be written concurrently. */
  parallelRollups: boolean;
}

export const MONGODB_PROFILE: StoreProfile = {
  server: 'mongodb',
  updatesPerCommand: 1000,
  parallelRollups: true,
};

// FerretDB 1.24's update command keeps every statement's SQLite cursor (one pooled connection each)
// open until the whole command ends, and its pool has 100 connections per database: a command of
// ~100 statements, or several large ones at once, wait forever for a connection. Small commands
// sent one at a time keep each worker under ten connections.
export const FERRETDB_PROFILE: StoreProfile = {
  server: 'ferretdb',
  updatesPerCommand: 8,
  parallelRollups: false,
};

/** Asks the server what it is: FerretDB says so in buildInfo. */
export async function detectStoreProfile(db: Db): Promise<StoreProfile> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info ? FERRETDB_PROFILE : MONGODB_PROFILE;
}
