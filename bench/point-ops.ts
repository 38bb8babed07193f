/**
 * What one operation by `_id` costs as a collection grows: the store's answer to "does a write get
 * slower with what is stored?". For each size, a fresh collection in a scratch database is filled
 * with documents shaped like a read-model document (string `_id`, a few fields and a small binary)
 * and timed (on the local FerretDB, the patched build indexes `_id` the way its queries read it:
 * services/ferretdb):
 * find by `_id`, `updateOne` by `_id` with `$set`, and `replaceOne` by `_id`, one at a time on
 * random ids, and a `find` with `$in` of 100 ids for contrast, up to 100k documents (FerretDB filters
 * that in Go over every row). Ratios are to the smallest size, measured in the same run.
 */
import { type Collection, type Db, MongoClient } from 'mongodb';
import type { MongoConfig } from '../src/config/index.ts';
import { percentile } from '../src/query/index.ts';
import { round } from './pipeline/index.ts';
import { benchEnvironment, type BenchReport } from './report.ts';

export interface PointOpsOptions {
  mongo: MongoConfig;
  sizes: readonly number[];
  /** Operations of each kind timed per size. */
  ops: number;
  onProgress?: (message: string) => void;
}

interface PointDoc {
  _id: string;
  v: number;
  events: number;
  payload: Buffer;
}

const DB_SUFFIX = '_bench_point_ops';
const FILL_BATCH = 10_000;
/** Largest size the `$in` contrast runs at (3 reads). */
const IN_MAX_SIZE = 100_000;

function docId(i: number): string {
  return `d:${i.toString(36).padStart(6, '0')}`;
}

async function fill(collection: Collection<PointDoc>, size: number): Promise<void> {
  for (let from = 0; from < size; from += FILL_BATCH) {
    const docs: PointDoc[] = [];
    for (let i = from; i < Math.min(size, from + FILL_BATCH); i++)
      docs.push({ _id: docId(i), v: 0, events: i, payload: Buffer.alloc(64, i % 251) });
    await collection.insertMany(docs, { ordered: false });
  }
}

/** Milliseconds per call of `op` on `ops` random ids: p50 and p99. */
async function timeOps(
  size: number,
  ops: number,
  op: (id: string, i: number) => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < ops; i++) {
    const id = docId(Math.floor(Math.random() * size));
    const started = performance.now();
    await op(id, i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50) ?? 0, p99: percentile(times, 99) ?? 0 };
}

export async function runPointOpsBench(o: PointOpsOptions): Promise<BenchReport> {
  const client = new MongoClient(o.mongo.uri);
  const db: Db = client.db(`${o.mongo.db}${DB_SUFFIX}`);
  const rows: BenchReport['rows'] = [];
  const startedAt = new Date().toISOString();
  try {
    await db.dropDatabase();
    let base: { find: number; update: number; replace: number; in100: number } | undefined;
    for (const size of o.sizes) {
      const name = `points_${size}`;
      const collection = db.collection<PointDoc>(name);
      o.onProgress?.(`point-ops: filling ${size.toLocaleString('en-US')} documents`);
      await fill(collection, size);
      o.onProgress?.(`point-ops: timing ${o.ops} operations of each kind at ${size.toLocaleString('en-US')}`);
      const find = await timeOps(size, o.ops, (id) => collection.findOne({ _id: id }));
      const update = await timeOps(size, o.ops, (id, i) =>
        collection.updateOne({ _id: id }, { $set: { v: i } }),
      );
      const replace = await timeOps(size, o.ops, (id, i) =>
        collection.replaceOne({ _id: id }, { v: i, events: i, payload: Buffer.alloc(64, i % 251) }),
      );
      // A scan each on FerretDB 1.24 (seconds at 100k documents): a few, and only up to IN_MAX_SIZE.
      const inList =
        size <= IN_MAX_SIZE
          ? await timeOps(size, 3, () =>
              collection
                .find({
                  _id: { $in: Array.from({ length: 100 }, () => docId(Math.floor(Math.random() * size))) },
                })
                .toArray(),
            )
          : null;
      const p50s = { find: find.p50, update: update.p50, replace: replace.p50, in100: inList?.p50 ?? 0 };
      base ??= p50s;
      rows.push({
        documents: size,
        'find p50 ms': round(find.p50),
        'find p99 ms': round(find.p99),
        'update p50 ms': round(update.p50),
        'update p99 ms': round(update.p99),
        'replace p50 ms': round(replace.p50),
        'find vs smallest': round(find.p50 / base.find),
        'update vs smallest': round(update.p50 / base.update),
        'replace vs smallest': round(replace.p50 / base.replace),
        '$in 100 ids p50 ms': inList === null ? null : round(inList.p50),
        '$in vs smallest': inList === null ? null : round(inList.p50 / base.in100),
      });
      await collection.drop();
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
  return {
    name: 'point-ops',
    startedAt,
    environment: benchEnvironment(),
    params: { sizes: o.sizes.join(','), ops: o.ops, uri: o.mongo.uri.replace(/\/\/[^@/]*@/, '//***@') },
    rows,
    notes: [
      'one operation at a time on random ids of a collection of `documents` string-_id documents (~100 bytes each), in a collection created by its first insert',
      'ratios are p50 over the smallest size in the same run: an operation answered from an index stays within a small factor; a scan grows with the size ($in is one on FerretDB 1.24)',
    ],
  };
}
