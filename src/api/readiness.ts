/**
 * Readiness answers from a short-lived cache: orchestrators, load balancers and people poll
 * /readyz, and each probe is a round trip to Kafka and to MongoDB. Requests that arrive while a
 * probe runs wait for that probe instead of starting their own.
 */

export interface ReadinessProbes {
  kafka: () => Promise<boolean>;
  mongo: () => Promise<boolean>;
  /** A process that runs ingest workers: every worker has joined the consumer group. */
  workers?: () => Promise<boolean>;
}

export interface ReadinessChecks {
  kafka: boolean;
  mongo: boolean;
  /** Only where a workers probe is configured. */
  workers?: boolean;
}

/** Long enough to absorb bursts and several pollers, short next to a probe period of ~10 s. */
export const READINESS_CACHE_MS = 3_000;

/** A probe that throws is a dependency that is down, not a failed request. */
async function settle(check: (() => Promise<boolean>) | undefined): Promise<boolean> {
  if (check === undefined) return false;
  try {
    return (await check()) === true;
  } catch {
    return false;
  }
}

/**
 * Returns a function that answers the latest checks, probing again only once `cacheMs` have passed
 * since the last probe settled (down answers are cached too, so a failing dependency is not
 * hammered either).
 */
export function createReadiness(
  probes: ReadinessProbes | undefined,
  cacheMs: number = READINESS_CACHE_MS,
  now: () => number = Date.now,
): () => Promise<ReadinessChecks> {
  let inFlight: Promise<ReadinessChecks> | null = null;
  let last: { checks: ReadinessChecks; at: number } | null = null;
  return () => {
    if (inFlight !== null) return inFlight;
    if (last !== null && now() - last.at < cacheMs) return Promise.resolve(last.checks);
    const workersProbe = probes?.workers;
    inFlight = Promise.all([
      settle(probes?.kafka),
      settle(probes?.mongo),
      workersProbe === undefined ? undefined : settle(workersProbe),
    ]).then(([kafka, mongo, workers]) => {
      const checks: ReadinessChecks = workers === undefined ? { kafka, mongo } : { kafka, mongo, workers };
      last = { checks, at: now() };
      inFlight = null;
      return checks;
    });
    return inFlight;
  };
}
