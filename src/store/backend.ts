import type { Db } from 'mongodb';

/**
 * What the store adapts to the server it talks to. Both profiles send only operations by _id; they
 * differ in how many go in one command, how several are read, and how a write is kept from
 * overwriting another writer's.
 */
export interface StoreProfile {
  server: 'mongodb' | 'ferretdb';
  /** Write statements sent in one command. */
  statementsPerCommand: number;
  /**
   * How documents are read: one `find` with `{_id: {$in: [...]}}` (MongoDB answers it from the
   * _id index), or one find by _id each, this many at a time (FerretDB evaluates `$in` over every
   * document of the collection).
   */
  reads: { kind: 'in'; idsPerQuery: number } | { kind: 'point'; concurrency: number };
  /**
   * How concurrent rollup writers are kept apart: MongoDB conditions every replacement on the
   * version it read (`{_id, v}`, atomic); FerretDB has no atomic update at all, so writers take
   * turns under a fenced lease (ms to expiry) and write by _id alone.
   */
  rollupLeaseMs: number | null;
}

export const MONGODB_PROFILE: StoreProfile = {
  server: 'mongodb',
  statementsPerCommand: 1000,
  reads: { kind: 'in', idsPerQuery: 1000 },
  rollupLeaseMs: null,
};

// FerretDB 1.24's update command keeps every statement's SQLite cursor (one pooled connection each)
// open until the whole command ends, and each statement needs one more connection for its write;
// the pool has 100 connections per database, and commands that together hold it wait for each
// other forever. 32 statements per command from the one writer holding the lease stays far below.
// Measured per replacement at 300k documents: 2.4 ms one per command, 0.65 ms ten, 0.49 ms fifty.
//
// Its updates are also not atomic: it reads the matching document, applies the operators, and
// writes the whole document back in a separate transaction, so two concurrent updates of one
// document can lose one (measured: two clients, 300 $inc each on one document, 486 instead of
// 600). Hence the lease.
//
// Its expiry is what every writer waits out after a holder dies (a SIGKILL during a rollup):
// 30 s stalled all rollups for 25-30 s in the fault tests. 10 s (renewed every 3.3 s) still
// outlasts the event-loop stalls seen under load, and a holder that stalls longer is fenced
// at its next write and retries, so a short expiry costs a retry, never a wrong count.
export const FERRETDB_PROFILE: StoreProfile = {
  server: 'ferretdb',
  statementsPerCommand: 32,
  reads: { kind: 'point', concurrency: 8 },
  rollupLeaseMs: 10_000,
};

/** Asks the server what it is: FerretDB says so in buildInfo. */
export async function detectStoreProfile(db: Db): Promise<StoreProfile> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info ? FERRETDB_PROFILE : MONGODB_PROFILE;
}
