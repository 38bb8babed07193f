/**
 * The soak: `ipstream ingest` as operators run it (a child process, INGEST_MEMORY_MB as given) reads
 * a fresh topic that this process fills at a steady rate from many distinct devices, for minutes.
 * Every few seconds it samples the child's resident set and high-water mark from /proc, the records
 * produced (the topic's end offsets) and those stored (the group's committed offsets). The verdict
 * (summary.ts) judges the samples after a settling time: flat, under the bound, keeping up. After
 * the producer ends, the child drains and stops on SIGTERM, and the read model's totals must count
 * every record once, as an event or a dead letter.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { MongoClient } from 'mongodb';
import type { Config } from '../../src/config/index.ts';
import { baseClientOptions, EventProducer, TopicAdmin } from '../../src/kafka/index.ts';
import { runProducer, syntheticRecords } from '../../src/producer/index.ts';
import { totals } from '../../src/query/index.ts';
import type { EventsLayout } from '../../src/store/index.ts';
import { lineChartSvg } from '../line-chart.ts';
import { MeasuredProcess, parseVmHwm, parseVmRss } from '../measured-process.ts';
import { childEnv } from '../pipeline/index.ts';
import { type BenchReport, benchEnvironment, codeVersion, writeJson } from '../report.ts';
import { type SoakRow, type SoakSample, type SoakVerdict, soakRows, soakVerdict } from './summary.ts';

export type { SoakRow, SoakSample, SoakVerdict } from './summary.ts';

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

export interface SoakBenchOptions {
  config: Config;
  /** How long the producer sends. */
  minutes: number;
  /** Events per second. */
  rate: number;
  devices: number;
  partitions: number;
  /** Consumers of the ingest process (INGEST_WORKERS). */
  workers: number;
  /** INGEST_MEMORY_MB of the ingest process: the bound the verdict judges. */
  memoryMb: number;
  layout: EventsLayout;
  seed: number;
  sampleSeconds: number;
  /** Samples before this are not judged: caches and heaps fill first. */
  settleMinutes: number;
  /** The longest wait for the backlog after the producer ends. */
  drainSeconds: number;
  out: string;
  onProgress?: (message: string) => void;
}

export interface SoakReport extends BenchReport<SoakRow> {
  verdict: SoakVerdict;
  samples: SoakSample[];
  files: { json: string; svg: string };
}

const JOIN_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 120_000;

function residentMb(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = parseVmRss(status);
    const hwm = parseVmHwm(status);
    return rss === null || hwm === null ? null : { rssMb: rss / 1024, hwmMb: hwm / 1024 };
  } catch {
    return null;
  }
}

const sum = (values: readonly (number | null)[]): number => values.reduce<number>((n, v) => n + (v ?? 0), 0);

export async function runSoakBench(o: SoakBenchOptions): Promise<SoakReport> {
  const startedAt = new Date().toISOString();
  const progress = o.onProgress ?? ((): void => undefined);
  const runId = Date.now().toString(36);
  const topic = `ipstream-soak-${runId}`;
  const group = `ipstream-soak-${runId}`;
  const db = `ipstream_soak_${runId}`;
  const count = Math.round(o.rate * o.minutes * 60);
  const admin = new TopicAdmin(o.config.kafka);
  const mongo = new MongoClient(o.config.mongo.uri);
  await mongo.connect();
  const samples: SoakSample[] = [];
  const notes: string[] = [];
  let child: MeasuredProcess | undefined;
  let exit: string;
  let cpuUsPerEvent: number | null = null;
  let counted: { events: number; deadLetters: number; committed: number };
  let stopProducing = false;
  let sendingRun: Promise<unknown> | undefined;
  // Ctrl-C ends the run early but still cleanly: the producer stops, ingest stops on SIGTERM, and
  // the topic, group and database go.
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    stopProducing = true;
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await admin.create(topic, o.partitions);
    child = new MeasuredProcess(
      process.execPath,
      [BIN, 'ingest', '--topic', topic, '--group', group, '--workers', String(o.workers)],
      childEnv({
        kafka: { ...o.config.kafka, topic, group, clientId: 'ipstream-soak' },
        mongo: { ...o.config.mongo, db },
        ingest: { ...o.config.ingest, workers: o.workers, memoryMb: o.memoryMb },
        store: { ...o.config.store, eventsLayout: o.layout },
        // info: each consumer logs "joined group".
        logLevel: 'info',
      }),
      1000,
    );
    const proc = child;
    await proc.waitForLine('stderr', (t) => t.includes('"msg":"joined group"'), JOIN_TIMEOUT_MS);
    progress(`ingest (pid ${proc.pid}) joined ${group}; producing ${count} events at ${o.rate}/s`);

    const started = performance.now();
    const cpuFrom = proc.sample();
    let producing = true;
    const sampleNow = async (): Promise<SoakSample | null> => {
      const memory = residentMb(proc.pid);
      if (memory === null) return null;
      const [end, committed] = await Promise.all([
        admin.offsets(topic, 'end'),
        admin.committed(topic, group, o.partitions),
      ]);
      const s = {
        atS: (performance.now() - started) / 1000,
        ...memory,
        produced: sum(end),
        committed: sum(committed),
        producing,
      };
      samples.push(s);
      return s;
    };
    const producer = new EventProducer({ ...o.config.kafka, topic }, 'ipstream-soak-producer');
    const sending = runProducer(producer, syntheticRecords({ count, devices: o.devices, seed: o.seed }), {
      rate: o.rate,
      isStopped: () => stopProducing,
    }).finally(() => {
      producing = false;
      return producer.close();
    });
    sendingRun = sending;
    let lastReport = 0;
    while (producing) {
      // (A Ctrl-C reaches ingest too: it stops on its own.)
      if (!interrupted && (proc.child.exitCode !== null || proc.child.signalCode !== null))
        throw new Error(`ingest exited while the producer was sending\n${proc.tail()}`);
      const s = await sampleNow();
      if (s !== null && s.atS - lastReport >= 60) {
        lastReport = s.atS;
        progress(
          `minute ${(s.atS / 60).toFixed(1)}: rss ${Math.round(s.rssMb)} MB (high-water ${Math.round(s.hwmMb)}), produced ${s.produced}, stored ${s.committed}`,
        );
      }
      await Promise.race([sending, new Promise((r) => setTimeout(r, o.sampleSeconds * 1000))]);
    }
    const summary = await sending;
    if (summary.failed > 0) notes.push(`${summary.failed} sends failed for good`);
    const drainUntil = performance.now() + o.drainSeconds * 1000;
    let last = await sampleNow();
    if (interrupted) notes.push('interrupted: the producer stopped early and the backlog was not drained');
    while (
      !interrupted &&
      last !== null &&
      last.committed < last.produced &&
      performance.now() < drainUntil
    ) {
      await new Promise((r) => setTimeout(r, Math.min(1000, o.sampleSeconds * 1000)));
      last = (await sampleNow()) ?? last;
    }
    if (!interrupted && last !== null && last.committed < last.produced)
      notes.push(
        `not drained: ${last.committed} of ${last.produced} stored ${o.drainSeconds} s after the producer ended`,
      );
    const cpuTo = proc.sample();
    if (cpuFrom !== null && cpuTo !== null && last !== null && last.committed > 0)
      cpuUsPerEvent = Math.round(((cpuTo.cpuMs - cpuFrom.cpuMs) * 1000) / last.committed);
    proc.child.kill('SIGTERM');
    const ended = await proc.waitForExit(STOP_TIMEOUT_MS);
    exit = ended.signal ?? String(ended.code);
    // Ingest stores and commits what it read before it exits: its commits, after the exit, are
    // what the read model must count, drained or not.
    const committed = sum(await admin.committed(topic, group, o.partitions));
    const t = await totals(mongo.db(db));
    counted = { events: t.events, deadLetters: t.deadLetters, committed };
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    stopProducing = true;
    await sendingRun?.catch(() => undefined);
    child?.kill();
    await mongo
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
    await admin.deleteTopic(topic).catch(() => undefined);
    const kafkaAdmin = new Admin(baseClientOptions(o.config.kafka, 'ipstream-soak-admin'));
    await kafkaAdmin.deleteGroups({ groups: [group] }).catch(() => undefined);
    await kafkaAdmin.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    await mongo.close().catch(() => undefined);
  }

  const verdict = soakVerdict(samples, { settleS: o.settleMinutes * 60, boundMb: o.memoryMb, rate: o.rate });
  const total = samples.at(-1)?.produced ?? 0;
  const report: Omit<SoakReport, 'files'> = {
    name: 'soak',
    startedAt,
    environment: benchEnvironment(),
    params: {
      minutes: o.minutes,
      rate: o.rate,
      devices: o.devices,
      partitions: o.partitions,
      workers: o.workers,
      memoryMb: o.memoryMb,
      layout: o.layout,
      code: codeVersion(),
      produced: total,
      committed: counted.committed,
      counted: counted.events + counted.deadLetters,
      exact: counted.events + counted.deadLetters === counted.committed,
      peakMb: verdict.peakMb,
      judgedMinutes: `${(verdict.fromS / 60).toFixed(1)}-${(verdict.toS / 60).toFixed(1)}`,
      rssMinMb: verdict.rssMinMb,
      rssMaxMb: verdict.rssMaxMb,
      slopeMbPerMin: verdict.rssSlopeMbPerMin,
      flat: verdict.flat,
      withinBound: verdict.withinBound,
      maxLag: verdict.maxLag,
      keptUp: verdict.keptUp,
      cpuUsPerEvent,
      exit,
    },
    // About fifteen rows whatever the length (every sample of a short run).
    rows: soakRows(samples, Math.max(o.sampleSeconds, Math.round((o.minutes * 60) / 15))),
    notes: [
      ...notes,
      'rssMb/hwmMb: VmRSS and VmHWM of the ingest process (all threads); produced: the topic end offsets; committed: the group committed offsets (ingest commits only what it stored)',
      `verdict over the samples taken while producing after ${Number(o.settleMinutes.toFixed(2))} min: flat when the least-squares RSS trend rises by at most 5% of the bound across them; kept up when produced - committed stayed under 30 s of the rate`,
      'committed: the group committed offsets after ingest exited on SIGTERM (it stores and commits what it read first); counted: records the read model totals count, as events or dead letters; exact: the two are equal, every stored record counted once',
    ],
    verdict,
    samples,
  };
  const json = await writeJson(report, o.out);
  const svg = json.replace(/\.json$/, '.svg');
  await writeFile(
    svg,
    lineChartSvg({
      title: `ingest RSS at ${o.rate.toLocaleString('en-US')} events/s from ${o.devices.toLocaleString('en-US')} devices`,
      subtitle: `INGEST_MEMORY_MB=${o.memoryMb}, ${o.workers} consumers, ${o.partitions} partitions, ${o.layout}, code ${codeVersion() ?? '-'}`,
      xUnit: 'minutes',
      yUnit: 'MB',
      series: [
        { name: 'RSS', points: samples.map((s) => [s.atS / 60, s.rssMb] as const) },
        { name: 'high-water', points: samples.map((s) => [s.atS / 60, s.hwmMb] as const) },
      ],
      limits: [{ label: `INGEST_MEMORY_MB ${o.memoryMb}`, y: o.memoryMb }],
    }),
  );
  return { ...report, files: { json, svg } };
}
