import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IngestPool } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { testConfig } from '../support/config.ts';

// The pool replaces a worker that exits, a second later. Real worker threads here, and consumers
// hosted on the main thread (INGEST_THREADS=0) alike; each fails at start because its store address carries an option the MongoDB driver refuses (a failure no
// retry helps), so workers exit as often as the test lets the replacement timer fire. The pool's
// timers are driven by node:test's mock clock: no sleeps, and nothing fires unless ticked.

const base = testConfig('pool');
const configs = [
  ['a worker thread', undefined],
  ['the main thread', 0],
].map(([where, threads]) => ({
  where,
  config: {
    ...base,
    ingest: { ...base.ingest, threads: threads as number | undefined },
    mongo: { ...base.mongo, uri: `${base.mongo.uri}/?notAnOption=1` },
    logLevel: 'silent' as const,
  },
}));
const log = createLogger('silent', 'test');

/** Polls `check` between event-loop turns (setTimeout is mocked), up to 30 s of real time. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const { where, config } of configs) {
  test(`on ${where}: a replacement due when stop() begins is never started`, async (t) => {
    const pool = new IngestPool(config, log);
    await assert.rejects(pool.scaleTo(1), /WORKER_FAILED|notAnOption|not supported/i);
    // The worker failed and is terminating; its replacement is scheduled when it exits.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    await until(() => pool.size === 0, 'the failed worker to exit');
    await pool.stop();
    t.mock.timers.tick(60_000);
    assert.equal(pool.size, 0, 'no worker starts after stop()');
  });

  test(`on ${where}: exited workers are kept as one running total, not one entry each`, async (t) => {
    const pool = new IngestPool(config, log);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    try {
      await assert.rejects(pool.scaleTo(1));
      for (let exits = 1; exits <= 4; exits++) {
        await until(() => pool.size === 0, `exit ${exits}`);
        t.mock.timers.tick(1000);
        assert.equal(pool.size, 1, 'a replacement starts once its delay has passed');
      }
      await until(() => pool.size === 0, 'the last replacement to exit');
      assert.ok(pool.allStats().length <= 1, `${pool.allStats().length} entries for 5 exited workers`);
    } finally {
      await pool.stop();
    }
  });
}
