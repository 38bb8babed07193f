/**
 * The query side of the peers benchmark: "how many addresses", the seed's `count/addresses`, asked
 * of what each system stored.
 *
 * - The brief's answer over a raw collection (what the brief's design and Kafka Connect store: the
 *   values as sent): `count_documents({})` and `len(distinct("device_ip"))`, as the seed did in
 *   pymongo, here the same two commands through the Node driver. `distinct` answers in one reply
 *   document, so it fails once the distinct values pass 16 MiB.
 * - ipstream's `GET /count/addresses`, served by the real app on a local port over ipstream's
 *   database: it reads one totals document of the read model.
 *
 * Both are checked against the generator: every event counted once, devices counted by canonical
 * address (a device spelled two ways is one device).
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Db } from 'mongodb';
import { buildApp } from '../../src/api/index.ts';
import { percentile } from '../../src/query/index.ts';
import type { StreamTruth } from './records.ts';

export const DISTINCT_LIMIT_BYTES = 16 * 1024 * 1024;

export interface CountAnswer {
  how: string;
  total: number | null;
  unique: number | null;
  p50Ms: number | null;
  maxMs: number | null;
  requests: number;
  /** total and unique equal the generator's events and devices. */
  correct: boolean;
  error: string | null;
}

const round = (value: number): number => Number(value.toFixed(1));

function median(values: readonly number[]): number {
  return (
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ) ?? 0
  );
}

function verdict(truth: StreamTruth, total: number | null, unique: number | null): boolean {
  return total === truth.events && unique === truth.devices;
}

/** count_documents({}) + len(distinct("device_ip")) over a collection of raw values, `reps` times. */
export async function seedStyleCount(
  db: Db,
  collection: string,
  truth: StreamTruth,
  reps: number,
  how: string,
): Promise<CountAnswer> {
  const times: number[] = [];
  let total: number | null = null;
  let unique: number | null = null;
  try {
    for (let i = 0; i < reps; i++) {
      const started = performance.now();
      const col = db.collection(collection);
      total = await col.countDocuments({});
      unique = (await col.distinct('device_ip')).length;
      times.push(performance.now() - started);
    }
  } catch (error) {
    return {
      how,
      total,
      unique,
      p50Ms: null,
      maxMs: null,
      requests: times.length,
      correct: false,
      error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed',
    };
  }
  return {
    how,
    total,
    unique,
    p50Ms: round(median(times)),
    maxMs: round(Math.max(...times)),
    requests: times.length,
    correct: verdict(truth, total, unique),
    error: null,
  };
}

/** ipstream's `GET /count/addresses` over its database, `reps` sequential requests. */
export async function ipstreamCount(db: Db, truth: StreamTruth, reps: number): Promise<CountAnswer> {
  const app = await buildApp({ db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/count/addresses`;
  const times: number[] = [];
  let body: { total_addresses?: number; unique_addresses?: number } = {};
  let error: string | null = null;
  try {
    for (let i = 0; i < reps; i++) {
      const started = performance.now();
      const response = await fetch(url);
      body = (await response.json()) as typeof body;
      times.push(performance.now() - started);
      if (response.status !== 200) {
        error = `HTTP ${response.status}: ${JSON.stringify(body)}`;
        break;
      }
    }
  } finally {
    await app.close();
  }
  const total = body.total_addresses ?? null;
  const unique = body.unique_addresses ?? null;
  return {
    how: 'ipstream GET /count/addresses',
    total,
    unique,
    p50Ms: times.length > 0 ? round(median(times)) : null,
    maxMs: times.length > 0 ? round(Math.max(...times)) : null,
    requests: times.length,
    correct: error === null && verdict(truth, total, unique),
    error,
  };
}
