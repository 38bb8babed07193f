import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/index.ts';
import { describeError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { connectMongo, DAY_MS, detectStoreProfile, expireEvents, FencedLease } from '../store/index.ts';

/** Deletes per step; a step runs under a lease of its own, so processes take turns. */
const DELETES_PER_STEP = 5_000;
const IDLE_MS = 60_000;

/**
 * Expires events older than EVENTS_RETENTION_DAYS while ingest runs: a step as soon as the last
 * one left work behind, a minute apart once caught up. Returns a stop function.
 */
export function startRetention(config: Config, log: Logger): () => Promise<void> {
  const days = config.store.retentionDays;
  if (days === undefined) return () => Promise.resolve();
  const stopping = new AbortController();
  const loop = (async () => {
    const mongo = await connectMongo(config.mongo, 'ipstream-retention');
    try {
      const profile = await detectStoreProfile(mongo.db);
      const lease = new FencedLease(mongo.db, 'retention', { ttlMs: 60_000 });
      while (!stopping.signal.aborted) {
        let caughtUp = true;
        try {
          const step = await lease.run(
            () =>
              expireEvents(mongo.db, profile, { retentionMs: days * DAY_MS, maxDeletes: DELETES_PER_STEP }),
            stopping.signal,
          );
          caughtUp = step.caughtUp;
          if (step.deleted > 0 || step.hoursExpired > 0) log.info(step, 'expired events past the retention');
        } catch (error) {
          if (!stopping.signal.aborted)
            log.warn({ err: describeError(error) }, 'retention step failed; trying again later');
        }
        await sleep(caughtUp ? IDLE_MS : 1_000, undefined, { signal: stopping.signal }).catch(
          () => undefined,
        );
      }
    } finally {
      await mongo.close();
    }
  })();
  return async () => {
    stopping.abort();
    await loop.catch((error: unknown) =>
      log.warn({ err: describeError(error) }, 'retention stopped with an error'),
    );
  };
}
