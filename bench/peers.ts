/**
 * `ipstream bench peers`: ipstream side by side with what users would pick instead, in one run, on
 * the same topic contents and the same store (issue 15):
 *
 * 1. ipstream: `ipstream ingest` as a child process;
 * 2. Kafka Connect (standalone) with MongoDB's sink connector, `_id` from the Kafka coordinates,
 *    unordered bulk writes, a dead-letter topic; its default write model (replace by `_id`,
 *    upsert) and insert-only;
 * 3. the brief's design (bench/peers/brief/brief.py), when that script is in the tree.
 *
 * A fresh topic is filled once with N synthetic events, each value tagged with its index (`seq`).
 * Each system then gets a clean run (events/s, CPU, peak RSS, and the store's CPU) and a kill run
 * (SIGKILL at about half, restart, finish: lost and duplicated records against the generator),
 * each in a fresh consumer group and database (runs.ts). Between the two, the query side: the
 * seed's count/addresses over a raw collection vs ipstream's `/count/addresses` (query.ts).
 *
 * Writes `<out>/peers.json` (headline rows `{system, eventsPerSec, cpuPerKEvents, peakRssMb, lost,
 * duplicated}`, details, query answers, notes) and `<out>/peers.svg`.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { type Command, InvalidArgumentError } from 'commander';
import { MongoClient } from 'mongodb';
import { intOption, listOption, numberOption } from '../src/cli/index.ts';
import { requireServices } from '../src/app/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { baseClientOptions, EventProducer, TopicAdmin } from '../src/kafka/index.ts';
import { runProducer } from '../src/producer/index.ts';
import { detectStoreProfile } from '../src/store/index.ts';
import { type BenchStream, servicePid } from './pipeline/index.ts';
import { briefAvailable, briefPeer } from './peers/brief-peer.ts';
import { briefPython } from './peers/brief-process.ts';
import { BRIEF_SCRIPT } from './peers/venv.ts';
import { connectPeer, resolveConnectClasspath } from './peers/kafka-connect.ts';
import { ipstreamPeer } from './peers/ipstream-peer.ts';
import type { Peer, PeerContext } from './peers/peer.ts';
import { type CountAnswer, DISTINCT_LIMIT_BYTES, ipstreamCount, seedStyleCount } from './peers/query.ts';
import { peerRecords, type StreamTruth, streamTruth } from './peers/records.ts';
import {
  detailRow,
  markdownTable,
  type PeerRow,
  peerRow,
  peersChart,
  queryRow,
  type SystemResult,
  throughputRatio,
} from './peers/report.ts';
import { cleanRun, killRun, liveProcesses, type RunLimits, withOwnClient } from './peers/runs.ts';
import { type BenchReport, type BenchRow, benchEnvironment, codeVersion, printTable } from './report.ts';

export const SYSTEMS = [
  'ipstream',
  'ipstream-buckets',
  'connect-replace',
  'connect-insert',
  'brief',
] as const;
export type SystemId = (typeof SYSTEMS)[number];

export interface PeersBenchOptions {
  events: number;
  partitions: number;
  /** ipstream workers, Connect tasks.max and the brief's threads. */
  workers: number;
  devices: number;
  seed: number;
  systems: readonly SystemId[];
  kill: boolean;
  /** Repetitions of the seed-style count (each a full scan); ipstream's route gets 10× as many. */
  queryReps: number;
  maxRunSeconds: number;
  /** A run whose stored count does not move for this long is given up (stalled). */
  stallSeconds: number;
  /** Connect's offset.flush.interval.ms (its default is 60 000; see connect-config.ts). */
  connectOffsetFlushMs: number;
  out: string;
  config: Config;
  onProgress: (message: string) => void;
}

export interface PeersReport extends BenchReport<PeerRow> {
  details: BenchRow[];
  query: { truth: StreamTruth; answers: CountAnswer[]; distinctPast16MiB: boolean };
  ratios: {
    ipstreamVsConnectReplace: number | null;
    ipstreamVsConnectInsert: number | null;
    bucketsVsConnectInsert: number | null;
    bucketsVsBrief: number | null;
  };
  readme: string;
  files: { json: string; svg: string };
}

const POM = fileURLToPath(new URL('./peers/kafka-connect/pom.xml', import.meta.url));

async function pomVersions(): Promise<{ kafka: string | null; mongoKafkaConnect: string | null }> {
  const text = await readFile(POM, 'utf8');
  const get = (name: string): string | null =>
    new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1]?.trim() ?? null;
  return { kafka: get('kafka.version'), mongoKafkaConnect: get('mongo.connector.version') };
}

async function fill(ctx: PeerContext, config: Config, stream: BenchStream): Promise<void> {
  ctx.progress(`creating ${ctx.topic} (${ctx.partitions} partitions), producing ${stream.count} events`);
  await ctx.admin.create(ctx.topic, ctx.partitions);
  const producer = new EventProducer({ ...config.kafka, topic: ctx.topic }, 'bench-peers-producer');
  const summary = await runProducer(producer, peerRecords(stream), { rate: 0 }).finally(() =>
    producer.close(),
  );
  const total = (await ctx.admin.offsets(ctx.topic, 'end')).reduce((a, b) => a + b, 0);
  if (summary.failed > 0 || total !== stream.count)
    throw new Error(
      `the topic holds ${total} records for ${stream.count} wanted (${summary.failed} failed sends)`,
    );
  ctx.progress(`produced ${total} events in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
}

export async function runPeersBench(o: PeersBenchOptions): Promise<PeersReport> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0] ?? null;
  const runId = Date.now().toString(36);
  const progress = o.onProgress;
  const stream: BenchStream = { count: o.events, devices: o.devices, seed: o.seed };
  const admin = new TopicAdmin(o.config.kafka);
  const mongo = new MongoClient(o.config.mongo.uri);
  await mongo.connect();
  const ctx: PeerContext = {
    admin,
    mongo,
    mongoUri: o.config.mongo.uri,
    topic: `ipstream-peers-${runId}`,
    partitions: o.partitions,
    total: o.events,
    progress,
  };
  const limits: RunLimits = {
    capMs: o.maxRunSeconds * 1000,
    // A restarted consumer waits for the killed member's session to end (45 s for Connect's
    // consumers by default) before the group gives it partitions.
    assignMs: 180_000,
    stallMs: o.stallSeconds * 1000,
    logDir: join(o.out, 'peers-logs'),
    storePid: servicePid(o.config.services.stateDir, 'ferretdb'),
  };
  const notes: string[] = [];
  const dbs = new Set<string>();
  const groups = new Set<string>();
  const connectDirs: string[] = [];
  const results: SystemResult[] = [];
  const answers: CountAnswer[] = [];
  let truth: StreamTruth | undefined;
  let counter = 0;
  const store = (await detectStoreProfile(mongo.db(o.config.mongo.db))).server;
  const versions = await pomVersions();

  let classpath: string | null = null;
  let python: string | null = null;
  const wanted = new Set(o.systems);
  try {
    if (wanted.has('connect-replace') || wanted.has('connect-insert'))
      classpath = await resolveConnectClasspath(o.config.services.stateDir, progress);
    if (wanted.has('brief')) {
      if (!briefAvailable()) {
        notes.push(
          `brief: left out, ${BRIEF_SCRIPT} is not in this tree (it is written on another branch); the adapter (bench/peers/brief-peer.ts) runs it once it is`,
        );
        wanted.delete('brief');
      } else {
        python = await briefPython(o.config.services.stateDir, progress);
      }
    }

    /** A fresh peer of one system: its own group (or connector) and database. */
    const makePeer = async (id: SystemId, run: 'clean' | 'kill'): Promise<Peer> => {
      const n = ++counter;
      const db = `peers_${runId}_${n}_${id.replace('-', '_')}`;
      dbs.add(db);
      const name = `ipstream-peers-${runId}-${n}-${id}-${run}`;
      switch (id) {
        case 'ipstream':
        case 'ipstream-buckets':
          groups.add(name);
          return ipstreamPeer(ctx, {
            config: o.config,
            workers: o.workers,
            group: name,
            db,
            layout: id === 'ipstream' ? 'documents' : 'buckets',
          });
        case 'connect-replace':
        case 'connect-insert': {
          const dir = await mkdtemp(join(tmpdir(), 'ipstream-peers-connect-'));
          connectDirs.push(dir);
          return connectPeer(ctx, {
            kafka: o.config.kafka,
            mongoUri: o.config.mongo.uri,
            classpath: classpath!,
            dir,
            name,
            writeModel: id === 'connect-replace' ? 'replace' : 'insert',
            tasks: o.workers,
            db,
            collection: 'events',
            offsetFlushMs: o.connectOffsetFlushMs,
          });
        }
        case 'brief':
          groups.add(name);
          return briefPeer(ctx, {
            python: python!,
            kafka: o.config.kafka,
            mongoUri: o.config.mongo.uri,
            group: name,
            db,
            collection: 'events',
            threads: o.workers,
          });
      }
    };
    const order = SYSTEMS.filter((s) => wanted.has(s));

    await fill(ctx, o.config, stream);
    truth = streamTruth(stream);

    const clean = new Map<SystemId, { peer: Peer; result: SystemResult }>();
    for (const id of order) {
      const peer = await makePeer(id, 'clean');
      progress(`${peer.system}: clean run`);
      const result = await cleanRun(ctx, peer, limits);
      progress(
        `${peer.system}: ${result.eventsPerSec ?? '-'} events/s, ${result.cpuPerKEvents ?? '-'} CPU s/1k events, ` +
          `${result.peakRssMb ?? '-'} MB; stored ${result.tally?.stored ?? '-'} of ${ctx.total}` +
          (result.error === null ? '' : `; ${result.error}`),
      );
      const entry = { peer, result: { system: peer.system, clean: result, kill: null } };
      clean.set(id, entry);
      results.push(entry.result);
      await peer.cleanup();
      // Only the databases the query side reads stay until it ran (one Connect collection).
      if (id === 'connect-insert' && wanted.has('connect-replace')) await dropDb(mongo, peer.target.db, dbs);
    }

    progress('query side: count/addresses');
    const ipstreamClean = clean.get('ipstream');
    if (ipstreamClean !== undefined)
      answers.push(
        await ipstreamCount(mongo.db(ipstreamClean.peer.target.db), truth, Math.max(10, o.queryReps * 10)),
      );
    // The seed's query over one Connect collection (both hold the values as sent) and the brief's.
    const connectRaw = wanted.has('connect-replace') ? 'connect-replace' : 'connect-insert';
    for (const id of [connectRaw, 'brief'] as const) {
      const entry = clean.get(id);
      if (entry === undefined) continue;
      const { db, collection } = entry.peer.target;
      const how = `seed count_documents + distinct over ${entry.peer.system}'s documents`;
      const t = truth;
      const answer = await withOwnClient(o.config.mongo.uri, 600_000, (client) =>
        seedStyleCount(client.db(db), collection, t, o.queryReps, how),
      );
      answers.push(
        answer ?? {
          how,
          total: null,
          unique: null,
          p50Ms: null,
          maxMs: null,
          requests: 0,
          correct: false,
          error: 'no answer within 600 s',
        },
      );
    }
    for (const { peer } of clean.values()) await dropDb(mongo, peer.target.db, dbs);

    if (o.kill) {
      for (const id of order) {
        const peer = await makePeer(id, 'kill');
        const result = results.find((r) => r.system === peer.system)!;
        const cleanSeconds = result.clean.seconds;
        progress(`${peer.system}: kill run`);
        result.kill = await killRun(
          ctx,
          peer,
          limits,
          cleanSeconds === null ? null : (cleanSeconds * 1000) / 2,
        );
        const t = result.kill.tally;
        progress(
          `${peer.system}: after SIGKILL and restart: lost ${t?.lost ?? '-'}, duplicated ${t?.duplicated ?? '-'}` +
            (result.kill.error === null ? '' : `; ${result.kill.error}`),
        );
        await peer.cleanup();
        await dropDb(mongo, peer.target.db, dbs);
      }
    } else {
      notes.push('kill runs skipped (--no-kill): lost and duplicated are not measured');
    }
  } finally {
    for (const db of [...dbs]) await dropDb(mongo, db, dbs);
    await admin.deleteTopic(ctx.topic).catch(() => undefined);
    if (groups.size > 0) {
      const kafkaAdmin = new Admin(baseClientOptions(o.config.kafka, 'bench-peers-admin'));
      await kafkaAdmin.deleteGroups({ groups: [...groups] }).catch(() => undefined);
      await kafkaAdmin.close().catch(() => undefined);
    }
    for (const dir of connectDirs) await rm(dir, { recursive: true, force: true });
    await admin.close().catch(() => undefined);
    await mongo.close().catch(() => undefined);
  }

  const rows = results.map(peerRow);
  const ratios = {
    ipstreamVsConnectReplace: throughputRatio(rows, 'ipstream', 'kafka-connect (replace)'),
    ipstreamVsConnectInsert: throughputRatio(rows, 'ipstream', 'kafka-connect (insert)'),
    bucketsVsConnectInsert: throughputRatio(rows, 'ipstream (buckets)', 'kafka-connect (insert)'),
    bucketsVsBrief: throughputRatio(rows, 'ipstream (buckets)', 'brief (python)'),
  };
  const distinctPast16MiB = truth !== undefined && truth.spellingsBsonBytes >= DISTINCT_LIMIT_BYTES;
  notes.push(
    'eventsPerSec: N / (first partition assignment -> everything stored, by the system\'s own account: committed offsets for ipstream and Connect, whose commits follow the store; the brief\'s own "inserted" count), polled every 250 ms, clean run',
    "cpuPerKEvents: CPU seconds of the system's process (all threads, /proc) per 1,000 events over the same interval; details: the store's (FerretDB) CPU over it, and the process's CPU including start-up",
    "peakRssMb: VmHWM of the system's process; lost / duplicated: records of the generator stored 0 / more than once, counted by the seq each value carries, after a SIGKILL at about half stored and a restart with the same group and configuration",
    `Kafka Connect ${versions.kafka ?? '?'} standalone (connect-standalone.sh JVM flags, -Xmx2G), mongo-kafka-connect ${versions.mongoKafkaConnect ?? '?'} on the classpath: JsonConverter without schemas, StringConverter keys, document.id.strategy KafkaMetaDataStrategy (topic#partition#offset), bulk.write.ordered=false, errors.tolerance=all with a dead-letter topic, tasks.max=${o.workers}, default max.poll.records (500 per put); offset.flush.interval.ms=${o.connectOffsetFlushMs} (default 60000) so its committed offsets say "stored" as promptly as ipstream's`,
    `ipstream: \`ipstream ingest --workers ${o.workers}\` with this environment's flush settings; it also builds its read model (devices, time buckets, HyperLogLog sketches) and normalises timestamps and addresses, which the others do not (they store the values as sent); the seq field is kept in its events as extra.seq`,
    `count/addresses: ${truth?.events ?? '-'} events from ${truth?.devices ?? '-'} devices spelled ${truth?.spellings ?? '-'} ways; a distinct over the raw device_ip counts spellings, not devices. Its reply holds about ${truth === undefined ? '-' : Math.round(truth.spellingsBsonBytes / 1024)} KiB of values: ${distinctPast16MiB ? 'PAST' : 'below'} the 16 MiB a reply may hold (past it, distinct fails)`,
  );
  for (const r of results) {
    if (r.clean.error !== null) notes.push(`${r.system}, clean run: ${r.clean.error}`);
    if (r.kill !== null && !r.kill.finished && r.kill.tally !== null)
      notes.push(
        `${r.system}, kill run: ${r.kill.error ?? 'not finished'}; its lost count is what was still unstored when it was given up (those records are still in Kafka, uncommitted)`,
      );
  }
  if (results.some((r) => r.system === 'kafka-connect (replace)' && r.kill !== null && !r.kill.finished))
    notes.push(
      'on FerretDB 1.24 a bulk write replacing more than about 100 documents that already exist never returns (its update holds one pooled SQLite connection per statement until the command ends, 100 per database; ipstream sends its updates one statement per command for this reason): after a restart the sink replays up to max.poll.records (500) already-stored records per bulk write and waits forever; new documents (upserts that insert) do not hit it',
    );
  if (limits.storePid === null)
    notes.push('the store is not a local FerretDB started by `ipstream services up`: its CPU is not sampled');

  const params = {
    events: o.events,
    partitions: o.partitions,
    workers: o.workers,
    devices: o.devices,
    seed: o.seed,
    store,
    code: codeVersion(),
    kafkaConnect: versions.kafka,
    mongoKafkaConnect: versions.mongoKafkaConnect,
    // The machine is shared: the 1-minute load average at the start and the end of the run.
    loadAtStart: loadAtStart === null ? null : Number(loadAtStart.toFixed(2)),
    loadAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
  const readme = [
    `\`npx ipstream bench peers --events ${o.events}\` (${o.partitions} partitions, ${o.workers} workers / tasks / threads, ${o.devices} devices, ${store}):`,
    '',
    markdownTable(rows),
    '',
    `ipstream / Kafka Connect (replace): ${ratios.ipstreamVsConnectReplace ?? '-'}×; ipstream / Kafka Connect (insert): ${ratios.ipstreamVsConnectInsert ?? '-'}×.`,
    ...results.flatMap((r) => [
      ...(r.clean.error === null ? [] : [`- ${r.system}, clean run: ${r.clean.error}.`]),
      ...(r.kill === null || r.kill.finished
        ? []
        : [
            `- ${r.system}, after the SIGKILL and restart: ${r.kill.error ?? 'not finished'}` +
              (r.kill.tally === null
                ? ' (lost/duplicated not countable).'
                : ` (lost = what was still unstored then: ${r.kill.tally.lost}).`),
          ]),
    ]),
  ].join('\n');
  await mkdir(o.out, { recursive: true });
  const json = join(o.out, 'peers.json');
  const svg = join(o.out, 'peers.svg');
  const report: PeersReport = {
    name: 'peers',
    startedAt,
    environment: benchEnvironment(),
    params,
    rows,
    notes,
    details: results.map(detailRow),
    query: {
      truth: truth ?? { events: 0, devices: 0, spellings: 0, spellingsBsonBytes: 0 },
      answers,
      distinctPast16MiB,
    },
    ratios,
    readme,
    files: { json, svg },
  };
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    svg,
    peersChart(
      rows,
      `N=${o.events}, ${o.partitions} partitions, ${o.workers} workers, ${store}; lost/dup after SIGKILL + restart`,
    ),
  );
  return report;
}

async function dropDb(mongo: MongoClient, name: string, dbs: Set<string>): Promise<void> {
  try {
    await mongo.db(name).dropDatabase();
    dbs.delete(name);
  } catch {
    // Retried at the end.
  }
}

export function printPeersReport(report: PeersReport, out: NodeJS.WritableStream = process.stdout): void {
  printTable(report, out);
  printTable({ ...report, name: 'peers: details', params: {}, rows: report.details, notes: [] }, out);
  printTable(
    {
      ...report,
      name: 'peers: count/addresses',
      params: {},
      rows: report.query.answers.map(queryRow),
      notes: [],
    },
    out,
  );
  out.write(
    `ipstream / Kafka Connect (replace): ${report.ratios.ipstreamVsConnectReplace ?? '-'}x, (insert): ${report.ratios.ipstreamVsConnectInsert ?? '-'}x; ipstream (buckets) / Kafka Connect (insert): ${report.ratios.bucketsVsConnectInsert ?? '-'}x, / brief: ${report.ratios.bucketsVsBrief ?? '-'}x\n`,
  );
}

function systemList(raw: string): SystemId[] {
  const list = listOption((s: string) => s)(raw);
  for (const s of list)
    if (!(SYSTEMS as readonly string[]).includes(s))
      throw new InvalidArgumentError(`expected some of ${SYSTEMS.join(',')}, got "${s}"`);
  return list as SystemId[];
}

export function registerPeersBench(bench: Command): void {
  bench
    .command('peers')
    .description(
      'ipstream vs Kafka Connect with the MongoDB sink (replace and insert-only) vs the brief, same topic and store: events/s, CPU, RSS, lost/duplicated after SIGKILL + restart, count/addresses',
    )
    .option('--events <n>', 'events in the filled topic', intOption(1000, 100_000_000), 100_000)
    .option('--partitions <n>', 'partitions of the topic', intOption(1, 256), 4)
    .option('--workers <n>', 'ipstream workers = Connect tasks.max = brief threads', intOption(1, 64), 2)
    .option('--devices <n>', 'distinct devices in the stream', intOption(1, 10_000_000), 1000)
    .option('--seed <n>', 'seed of the synthetic stream', intOption(0), 20240918)
    .option(
      '--systems <list>',
      `which systems, comma-separated (default all: ${SYSTEMS.join(',')})`,
      systemList,
    )
    .option('--no-kill', 'skip the SIGKILL + restart runs (no lost/duplicated counts)')
    .option('--query-reps <n>', 'repetitions of the seed-style count (full scans)', intOption(1, 100), 3)
    .option('--max-run-seconds <s>', 'cap on one run, assignment to done', numberOption(10, 86_400), 1800)
    .option(
      '--stall-seconds <s>',
      'give a run up when nothing more is stored for this long',
      numberOption(10, 86_400),
      300,
    )
    .option(
      '--connect-offset-flush-ms <ms>',
      "Kafka Connect's offset.flush.interval.ms",
      intOption(100, 600_000),
      1000,
    )
    .option('--out <dir>', 'directory of peers.json and peers.svg', 'bench-results')
    .action(
      async (
        flags: Omit<PeersBenchOptions, 'systems' | 'config' | 'onProgress'> & { systems?: SystemId[] },
      ) => {
        const config = loadConfig();
        await requireServices(config);
        // Interrupted: end the systems it started (a JVM would outlive it otherwise), then exit.
        for (const signal of ['SIGINT', 'SIGTERM'] as const)
          process.once(signal, () => {
            for (const proc of liveProcesses) proc.kill();
            process.exit(130);
          });
        const report = await runPeersBench({
          ...flags,
          systems: flags.systems ?? [...SYSTEMS],
          config,
          onProgress: (m) => process.stderr.write(`${m}\n`),
        });
        printPeersReport(report);
        process.stdout.write(`\n${report.readme}\n\nwrote ${report.files.json}\nwrote ${report.files.svg}\n`);
      },
    );
}
