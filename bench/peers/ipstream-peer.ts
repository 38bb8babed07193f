/**
 * ipstream as a peer: `ipstream ingest --workers W` as a child process, exactly as operators run it
 * (flush settings from the environment's config, as the pipeline benchmark's children get them).
 * It commits a partition's offset only after the records below it are stored, so the group's
 * committed offsets are its own account of what is stored.
 */
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/index.ts';
import { totals } from '../../src/query/index.ts';
import { COLLECTIONS, type EventsLayout } from '../../src/store/index.ts';
import { MeasuredProcess } from '../measured-process.ts';
import { childEnv } from '../pipeline/index.ts';
import { committedSum, type Peer, type PeerContext, type PeerProcess } from './peer.ts';

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

export interface IpstreamPeerOptions {
  config: Config;
  workers: number;
  group: string;
  db: string;
  /** EVENTS_LAYOUT: `ipstream` (documents, the default) or `ipstream (buckets)`. */
  layout: EventsLayout;
}

export function ipstreamPeer(ctx: PeerContext, o: IpstreamPeerOptions): Peer {
  const env = childEnv({
    kafka: { ...o.config.kafka, topic: ctx.topic, group: o.group, clientId: 'ipstream-peers' },
    mongo: { ...o.config.mongo, db: o.db },
    ingest: { ...o.config.ingest, workers: o.workers },
    store: { ...o.config.store, eventsLayout: o.layout },
    // info: each worker logs "joined group", where the clock starts.
    logLevel: 'info',
  });
  return {
    system: o.layout === 'documents' ? 'ipstream' : 'ipstream (buckets)',
    target: {
      db: o.db,
      collection: COLLECTIONS.events,
      // A bucket keeps each event's extra fields in one array, `extra`.
      ...(o.layout === 'buckets' ? { arrayPath: 'extra', seqPath: 'seq' } : { seqPath: 'extra.seq' }),
    },
    start(): Promise<PeerProcess> {
      const proc = new MeasuredProcess(
        process.execPath,
        [BIN, 'ingest', '--workers', String(o.workers), '--topic', ctx.topic, '--group', o.group],
        env,
      );
      return Promise.resolve({
        proc,
        assigned: async (timeoutMs) =>
          (await proc.waitForLine('stderr', (t) => t.includes('"msg":"joined group"'), timeoutMs)).at,
        stored: () => committedSum(ctx, o.group),
        done: async () => {
          if (proc.child.exitCode !== null || proc.child.signalCode !== null)
            throw new Error(`ipstream ingest exited before storing everything\n${proc.tail()}`);
          return (await committedSum(ctx, o.group)) >= ctx.total;
        },
        stop: async () => {
          proc.child.kill('SIGTERM');
          await proc.waitForExit(120_000);
        },
      });
    },
    async extras() {
      const db = ctx.mongo.db(o.db);
      const all = await totals(db);
      return {
        deadLetters: await db.collection(COLLECTIONS.deadLetters).countDocuments({}),
        // The read model's own totals: a record applied twice to the rollups would show here.
        rollupEvents: all.events,
        rollupDevices: all.devices,
      };
    },
    cleanup: () => Promise.resolve(),
  };
}
