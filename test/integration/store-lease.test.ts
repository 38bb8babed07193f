import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, MongoClient } from 'mongodb';
import { LeaseLostError } from '../../src/errors/index.ts';
import { COLLECTIONS, ensureSchema, FencedLease, type HeldLease } from '../../src/store/index.ts';
import { dropDatabase, testConfig } from '../support/config.ts';

// The fenced lease as it behaves today, against the running store: claims, releases, the epochs it
// keeps and collects, waiting for a held lease, expiry, and the fence check before each write.

interface EpochDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
  released: boolean;
}

interface HintDoc {
  _id: string;
  epoch: number;
  collectedBelow: number;
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe('fenced lease', () => {
  const config = testConfig('lease');
  const client = new MongoClient(config.mongo.uri);
  let db: Db;
  let n = 0;

  before(async () => {
    await client.connect();
    db = client.db(config.mongo.db);
    await ensureSchema(db);
  });
  after(async () => {
    await client.close();
    await dropDatabase(config);
  });

  /** A lease name of its own per test: the tests share one database. */
  const leaseName = (): string => `test-${n++}`;
  const epochs = (name: string): Promise<EpochDoc[]> =>
    db
      .collection<EpochDoc>(COLLECTIONS.meta)
      .find({ _id: { $regex: `^lease:${name}#` } })
      .sort({ _id: 1 })
      .toArray();
  const hint = (name: string): Promise<HintDoc | null> =>
    db.collection<HintDoc>(COLLECTIONS.meta).findOne({ _id: `lease:${name}` });

  it('claims epoch 1 by inserting it, and releases it after the body, whatever the body returns', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    const result = await lease.run(async (held) => {
      assert.equal(held.epoch, 1);
      const [claimed] = await epochs(name);
      assert.equal(claimed?._id, `lease:${name}#1`);
      assert.equal(claimed?.released, false);
      assert.ok(claimed.expiresAt.getTime() > Date.now() + 20_000, 'expires a TTL after the claim');
      await held.check();
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(
      (await epochs(name)).map((e) => e.released),
      [true],
    );
    assert.deepEqual(await hint(name), { _id: `lease:${name}`, epoch: 1, collectedBelow: 1 });
  });

  it('releases the lease when the body throws, and rethrows', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    await assert.rejects(
      lease.run(async () => {
        throw new Error('body failed');
      }),
      { message: 'body failed' },
    );
    assert.equal((await epochs(name))[0]?.released, true);
    // Released, so the next claim does not wait for an expiry.
    const started = Date.now();
    await lease.run(async (held) => assert.equal(held.epoch, 2));
    assert.ok(Date.now() - started < 10_000);
  });

  it('hands out one epoch after another, keeping the last two and collecting the older ones', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) await lease.run(async (held) => void seen.push(held.epoch));
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.deepEqual(
      (await epochs(name)).map((e) => e._id),
      [`lease:${name}#4`, `lease:${name}#5`],
    );
    assert.deepEqual(await hint(name), { _id: `lease:${name}`, epoch: 5, collectedBelow: 4 });
  });

  it('keeps lease names apart', async () => {
    const a = leaseName();
    const b = leaseName();
    await new FencedLease(db, a, { ttlMs: 30_000 }).run(async () => {
      await new FencedLease(db, b, { ttlMs: 30_000 }).run(async (held) => assert.equal(held.epoch, 1));
    });
    assert.equal((await epochs(a)).length, 1);
    assert.equal((await epochs(b)).length, 1);
  });

  it('makes a second holder wait until the first releases, then gives it the next epoch', async () => {
    const name = leaseName();
    const first = new FencedLease(db, name, { ttlMs: 30_000 });
    const second = new FencedLease(db, name, { ttlMs: 30_000 });
    const holding = signal();
    const letGo = signal();
    const order: string[] = [];
    const one = first.run(async (held) => {
      order.push(`first ${held.epoch}`);
      holding.fire();
      await letGo.promise;
      order.push('first done');
    });
    await holding.promise;
    const two = second.run(async (held) => void order.push(`second ${held.epoch}`));
    // Long enough for several looks at the held lease (5 ms doubling to 320 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(order, ['first 1'], 'the second holder waits');
    letGo.fire();
    await Promise.all([one, two]);
    assert.deepEqual(order, ['first 1', 'first done', 'second 2']);
  });

  it("gives a stalled holder's lease to the next claimant once it expires; the stalled holder is then refused", async () => {
    const name = leaseName();
    // No renewals: a frozen process.
    const stalled = new FencedLease(db, name, { ttlMs: 1_500, renewEveryMs: Infinity });
    const next = new FencedLease(db, name, { ttlMs: 1_500 });
    const holding = signal();
    const resume = signal();
    let lost: unknown;
    const one = stalled.run(async (held) => {
      holding.fire();
      await resume.promise;
      await held.check().catch((error: unknown) => (lost = error));
    });
    await holding.promise;
    const started = Date.now();
    await next.run(async (held) => assert.equal(held.epoch, 2));
    assert.ok(Date.now() - started >= 1_000, 'the claimant waited for the expiry');
    resume.fire();
    await one;
    assert.ok(lost instanceof LeaseLostError);
    assert.equal(lost.code, 'LEASE_LOST');
    assert.equal(lost.retriable, true);
    assert.match(lost.message, /^rollup lease lost: epoch 1 expired before it was renewed$/);
    // A holder that lost its lease does not mark it released.
    const [first] = await epochs(name);
    assert.equal(first?._id, `lease:${name}#1`);
    assert.equal(first?.released, false);
  });

  it("renews a live holder's lease, so nobody claims it while the holder works past the TTL", async () => {
    const name = leaseName();
    const holder = new FencedLease(db, name, { ttlMs: 1_500, renewEveryMs: 300 });
    const other = new FencedLease(db, name, { ttlMs: 1_500 });
    const holding = signal();
    let otherEpoch = 0;
    let checked = false;
    const one = holder.run(async (held) => {
      holding.fire();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.equal(otherEpoch, 0, 'nobody else holds it meanwhile');
      await held.check();
      checked = true;
    });
    await holding.promise;
    const two = other.run(async (held) => void (otherEpoch = held.epoch));
    await Promise.all([one, two]);
    assert.equal(checked, true);
    assert.equal(otherEpoch, 2);
  });

  it('fences a holder once the next epoch exists: its check before a write fails', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    const outcomes: string[] = [];
    await lease.run(async (held: HeldLease) => {
      await held.check();
      outcomes.push('checked');
      // What a claimant's insert of the next epoch does.
      await db.collection<EpochDoc>(COLLECTIONS.meta).insertOne({
        _id: `lease:${name}#${held.epoch + 1}`,
        holder: 'another',
        expiresAt: new Date(Date.now() + 30_000),
        released: false,
      });
      await assert.rejects(held.check(), (error: unknown) => {
        assert.ok(error instanceof LeaseLostError);
        assert.equal(error.message, 'rollup lease lost: epoch 1 was fenced by epoch 2');
        return true;
      });
      // Lost for good: the next check fails the same way without asking again.
      await assert.rejects(held.check(), LeaseLostError);
      outcomes.push('fenced');
    });
    assert.deepEqual(outcomes, ['checked', 'fenced']);
    const docs = await epochs(name);
    assert.deepEqual(
      docs.map((e) => [e._id, e.released]),
      [
        [`lease:${name}#1`, false],
        [`lease:${name}#2`, false],
      ],
    );
  });

  it('stops waiting for a claim when its signal aborts, and never runs the body', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    let ran = false;
    await assert.rejects(
      lease.run(async () => void (ran = true), AbortSignal.abort()),
      { name: 'AbortError' },
    );
    const holding = signal();
    const letGo = signal();
    const held = lease.run(async () => {
      holding.fire();
      await letGo.promise;
    });
    await holding.promise;
    const waiting = new AbortController();
    const waiter = new FencedLease(db, name, { ttlMs: 30_000 }).run(
      async () => void (ran = true),
      waiting.signal,
    );
    setTimeout(() => waiting.abort(), 200);
    await assert.rejects(waiter, { name: 'AbortError' });
    letGo.fire();
    await held;
    assert.equal(ran, false);
  });

  it('fences a holder whose own epoch was collected, even once the next epoch is gone too', async () => {
    const name = leaseName();
    const meta = db.collection<EpochDoc>(COLLECTIONS.meta);
    await new FencedLease(db, name, { ttlMs: 30_000 }).run(async (held) => {
      // Later holders came and went while this one stalled: epochs 2 and 3, and collection of
      // everything below 3 (what releases do).
      const later = { holder: 'another', expiresAt: new Date(Date.now() + 30_000), released: true };
      await meta.insertMany([
        { _id: `lease:${name}#2`, ...later },
        { _id: `lease:${name}#3`, ...later },
      ]);
      await meta.deleteMany({ _id: { $in: [`lease:${name}#1`, `lease:${name}#2`] } });
      await assert.rejects(held.check(), LeaseLostError);
    });
  });

  it('a release is never undone by a renewal still on its way', async () => {
    const name = leaseName();
    // Renewals every few milliseconds, so that one is on its way whenever the body ends.
    const lease = new FencedLease(db, name, { ttlMs: 30_000, renewEveryMs: 2 });
    for (let i = 0; i < 40; i++) {
      await lease.run(() => new Promise((resolve) => setTimeout(resolve, 3 + (i % 5))));
    }
    const docs = await epochs(name);
    assert.deepEqual(
      docs.map((e) => [e._id, e.released]),
      docs.map((e) => [e._id, true]),
      'every epoch kept is released',
    );
  });

  it('claims after a hint that names a collected epoch, instead of spinning on it', async () => {
    const name = leaseName();
    const lease = new FencedLease(db, name, { ttlMs: 30_000 });
    for (let i = 0; i < 4; i++) await lease.run(async () => undefined);
    // A release's hint update lost to an older one (updates are not atomic on FerretDB): the hint
    // names epoch 1, collected like epoch 2 since (epochs 3 and 4 are kept).
    await db
      .collection<HintDoc>(COLLECTIONS.meta)
      .updateOne({ _id: `lease:${name}` }, { $set: { epoch: 1, collectedBelow: 1 } });
    const claimed = await Promise.race([
      lease.run(async (held) => held.epoch),
      new Promise((resolve) => setTimeout(() => resolve('still looking after 5 s'), 5000).unref()),
    ]);
    assert.equal(claimed, 5);
  });
});
