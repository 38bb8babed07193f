// One writer process of the concurrent-writers stress test (writers.test.ts): `threads` worker
// threads, each with a client and an EventStore of its own, each writing its partition's batches
// of a round. Run as a child process, so that the test can SIGKILL it mid-write.
//
//   node test/stress/writer.ts <mongodb uri> <database> <round> <process> <threads> <batches> <size>
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MongoClient } from 'mongodb';
import type { DeviceEvent } from '../../src/events/index.ts';
import { detectStoreProfile, EventStore } from '../../src/store/index.ts';

interface Job {
  uri: string;
  db: string;
  round: number;
  partition: number;
  batches: number;
  size: number;
}

const T0 = Date.parse('2024-09-18T14:00:00Z');

/**
 * Batch `b` of round `round` on `partition`: offsets in order, mostly devices never seen before
 * (new to this round and partition), a few new ones every writer of the round meets at once (so
 * registrations race across processes), and a few old ones.
 */
export function batchOf(job: Omit<Job, 'uri' | 'db'>, b: number): DeviceEvent[] {
  const first = job.round * job.batches * job.size + b * job.size;
  return Array.from({ length: job.size }, (_, i) => {
    const offset = first + i;
    const kind = offset % 10;
    const ip =
      kind < 7
        ? `fd00::${job.partition.toString(16)}:${offset.toString(16)}`
        : kind < 9
          ? `172.16.${job.round}.${(b * 7 + i) % 200}`
          : `192.168.0.${offset % 50}`;
    return {
      id: `stress/${job.partition}/${offset}`,
      topic: 'stress',
      partition: job.partition,
      offset,
      ts: T0 + ((offset * 7919) % (6 * 3_600_000)),
      ip,
      errorCode: (offset % 4) * 100,
      bytes: 60,
    };
  });
}

async function write(job: Job): Promise<void> {
  const client = new MongoClient(job.uri);
  try {
    const db = client.db(job.db);
    const store = new EventStore(db, { profile: await detectStoreProfile(db) });
    for (let b = 0; b < job.batches; b++) {
      // A retriable failure (a lease lost to a slow moment) is retried, as ingest does.
      for (let attempt = 1; ; attempt++) {
        try {
          await store.write({ events: batchOf(job, b), deadLetters: [] });
          break;
        } catch (error) {
          if ((error as { retriable?: boolean }).retriable !== true || attempt >= 10) throw error;
        }
      }
    }
    store.close();
  } finally {
    await client.close();
  }
}

if (!isMainThread) {
  await write(workerData as Job);
  parentPort?.postMessage('done');
} else if (process.argv[2] !== undefined) {
  const [uri, db, round, processIndex, threads, batches, size] = process.argv.slice(2);
  const workers = Array.from({ length: Number(threads) }, (_, t) => {
    const job: Job = {
      uri: uri!,
      db: db!,
      round: Number(round),
      partition: Number(processIndex) * Number(threads) + t,
      batches: Number(batches),
      size: Number(size),
    };
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: job });
      worker.once('error', reject);
      worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`thread exited ${code}`))));
    });
  });
  await Promise.all(workers);
}
