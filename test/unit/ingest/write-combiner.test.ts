import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoNetworkError } from 'mongodb';
import { IpstreamError } from '../../../src/errors/index.ts';
import { type CombinableWriter, WriteCombiner } from '../../../src/ingest/write-combiner.ts';
import type { StoreBatch, StoreResult } from '../../../src/store/index.ts';
import { recordId } from '../../../src/events/index.ts';

function batch(partition: number, count: number): StoreBatch {
  const events = Array.from({ length: count }, (_, offset) => ({
    id: recordId('t', partition, offset),
    topic: 't',
    partition,
    offset,
    ts: 0,
    ip: '10.0.0.1',
    errorCode: 500,
    bytes: 10,
  }));
  return { events, deadLetters: [] };
}

const stored = (b: StoreBatch): StoreResult => ({
  inserted: b.events.length,
  duplicates: 0,
  deadLetters: 0,
  deadLetterDuplicates: 0,
});

/** A writer whose writes finish when the test says, recording what each carried. */
function gatedWriter(fail?: (batches: readonly StoreBatch[]) => unknown) {
  const calls: { kind: 'one' | 'many'; partitions: number[]; release: () => void }[] = [];
  const call = <T>(kind: 'one' | 'many', batches: readonly StoreBatch[], value: () => T): Promise<T> => {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    calls.push({
      kind,
      partitions: batches.map((b) => b.events[0]!.partition),
      release: () => {
        const error = fail?.(batches);
        if (error === undefined) resolve(value());
        else reject(error);
      },
    });
    return promise;
  };
  const writer: CombinableWriter = {
    write: (b) => call('one', [b], () => stored(b)),
    writeMany: (bs) => call('many', bs, () => bs.map(stored)),
  };
  return { writer, calls };
}

/** A few turns of the event loop: the combiner starts a write one turn after it is due. */
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('WriteCombiner', () => {
  it('writes a batch alone when nothing else is in flight', async () => {
    const { writer, calls } = gatedWriter();
    const combiner = new WriteCombiner();
    const one = combiner.write(batch(0, 3), writer);
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.kind, c.partitions]),
      [['one', [0]]],
    );
    calls[0]!.release();
    assert.equal((await one).inserted, 3);
  });

  it('merges the batches that waited for a write into one, each with its own result', async () => {
    const { writer, calls } = gatedWriter();
    const combiner = new WriteCombiner();
    const first = combiner.write(batch(0, 1), writer);
    await turn();
    const waiting = [combiner.write(batch(1, 2), writer), combiner.write(batch(2, 5), writer)];
    await turn();
    assert.equal(calls.length, 1, 'nothing more goes while a write is in flight');
    calls[0]!.release();
    await first;
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.kind, c.partitions]),
      [
        ['one', [0]],
        ['many', [1, 2]],
      ],
    );
    calls[1]!.release();
    assert.deepEqual(
      (await Promise.all(waiting)).map((r) => r.inserted),
      [2, 5],
    );
    assert.deepEqual(combiner.merged, { writes: 1, batches: 2 });
  });

  it('asks each member to flush when a write is about to begin, and takes their batches along', async () => {
    const { writer, calls } = gatedWriter();
    const combiner = new WriteCombiner();
    let asked = 0;
    let joined: Promise<StoreResult> | undefined;
    const leave = combiner.join(() => {
      asked++;
      // As an Ingestor does: its gap check is async, so the batch comes a few promise turns later.
      if (asked === 1)
        void Promise.resolve()
          .then(() => undefined)
          .then(() => (joined = combiner.write(batch(1, 2), writer)));
    });
    const first = combiner.write(batch(0, 1), writer);
    await turn();
    assert.deepEqual(
      calls.map((c) => [c.kind, c.partitions]),
      [['many', [0, 1]]],
    );
    calls[0]!.release();
    assert.deepEqual([(await first).inserted, (await joined!).inserted], [1, 2]);
    void combiner.write(batch(2, 1), writer);
    await turn();
    assert.equal(asked, 2, 'asked again when the next write began');
    calls[1]!.release();
    leave();
    void combiner.write(batch(3, 1), writer);
    await turn();
    assert.equal(asked, 2, 'not asked after leaving');
  });

  it('fails every merged batch alike when the store is away', async () => {
    const away = new MongoNetworkError('connection refused');
    const { writer, calls } = gatedWriter(() => away);
    const combiner = new WriteCombiner();
    const first = combiner.write(batch(0, 1), writer).catch((e: unknown) => e);
    await turn();
    const waiting = [0, 1].map((p) => combiner.write(batch(p + 1, 1), writer).catch((e: unknown) => e));
    calls[0]!.release();
    assert.equal(await first, away);
    await turn();
    calls[1]!.release();
    assert.deepEqual(await Promise.all(waiting), [away, away]);
    assert.equal(calls.length, 2, 'no write of each alone: the store was away');
  });

  it('writes each alone when the merged write failed for something in one batch', async () => {
    const refused = new IpstreamError('STORE_REJECTED', 'the store refused a dead letter');
    const { writer, calls } = gatedWriter((bs) =>
      bs.some((b) => b.events[0]!.partition === 2) ? refused : undefined,
    );
    const combiner = new WriteCombiner();
    const first = combiner.write(batch(0, 1), writer);
    await turn();
    const good = combiner.write(batch(1, 4), writer);
    const bad = combiner.write(batch(2, 1), writer).catch((e: unknown) => e);
    calls[0]!.release();
    await first;
    for (let i = 1; i < 4; i++) {
      await turn();
      calls[i]!.release();
    }
    assert.equal((await good).inserted, 4);
    assert.equal(await bad, refused);
    assert.deepEqual(
      calls.map((c) => [c.kind, c.partitions]),
      [
        ['one', [0]],
        ['many', [1, 2]],
        ['one', [1]],
        ['one', [2]],
      ],
    );
  });
});
