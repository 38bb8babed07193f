import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { COLLECTIONS } from './schema.ts';

interface LeaseDoc {
  _id: string;
  token: string;
  expiresAt: Date;
}

/**
 * Runs `body` while holding a database-wide lease, so that no two writers (threads, processes or
 * hosts) run it at once. Acquiring is an insert of a unique _id, which is atomic everywhere; a
 * lease whose holder died is taken over once it expires. Only used on FerretDB (see backend.ts).
 */
export async function withLease<T>(db: Db, name: string, ttlMs: number, body: () => Promise<T>): Promise<T> {
  const leases = db.collection<LeaseDoc>(COLLECTIONS.leases);
  const token = randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      await leases.insertOne({ _id: name, token, expiresAt: new Date(Date.now() + ttlMs) });
      break;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const held = await leases.findOne({ _id: name });
      if (held !== null && held.expiresAt.getTime() < Date.now()) {
        await leases.deleteOne({ _id: name, token: held.token });
        continue;
      }
      await new Promise((r) =>
        setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())),
      );
    }
  }
  try {
    return await body();
  } finally {
    await leases.deleteOne({ _id: name, token });
  }
}
