/**
 * One line of the pipeline benchmark's table, the helpers that fill it, and the chart of the grid.
 */
import type { BenchReport } from '../report.ts';
import { barChartSvg, compactNumber } from '../chart.ts';
import type { ProcSample } from '../measured-process.ts';
import type { BatchSetting, BatchSizes } from './protocol.ts';
import type { StoreUsage } from '../store-sampler.ts';
import type { EventsLayout } from '../../src/store/index.ts';
import { describeStatements, type StatementCounts, totalStatements } from '../statements.ts';

/**
 * produce: filling the topic; prefill: loading a stored level's database; consume, raw, store and
 * e2e: the ceilings and the pipeline (runs.ts); brief: the brief's design (bench/peers);
 * latency: the steady-rate run.
 */
export type PipelinePhase = 'produce' | 'prefill' | 'consume' | 'raw' | 'store' | 'e2e' | 'brief' | 'latency';

export type PipelineBenchRow = {
  phase: PipelinePhase;
  /** Devices already in the database when the phase began (its stored level); null: no store. */
  stored: number | null;
  /** How the phase's database stores events (EVENTS_LAYOUT); null: no store, or the brief's own. */
  layout: EventsLayout | null;
  workers: number | null;
  batch: string | null;
  events: number;
  /** Measured interval (s): see index.ts for where each phase starts and stops. */
  seconds: number;
  eventsPerSec: number;
  mbPerSec: number | null;
  /** End to end / min(consume ceiling, store ceiling) of the same configuration. */
  vsCeiling: number | null;
  /** Store ceiling or end to end / the raw insert ceiling of the same level and configuration. */
  vsRaw: number | null;
  /** Events/s / the same phase and configuration with nothing stored (stored level 0). */
  vsStored0: number | null;
  /**
   * End to end: its time to drain the backlog / the brief's for the same backlog (from the rates,
   * so a capped run still compares); below 1, ipstream drained it sooner.
   */
  timeVsBrief: number | null;
  /** Statements sent to the store per event (statements.ts; the brief: documents inserted). */
  stmtPerEvent: number | null;
  /** Bytes the local store server wrote per event (its /proc io write_bytes over the phase). */
  storeBytesPerEvent: number | null;
  /** Largest resident set of the local store server during the phase (MB). */
  storePeakRssMb: number | null;
  /** Largest size of the phase database's SQLite WAL during the phase (MB). */
  peakWalMb: number | null;
  /** CPU time of the measured process over the measured interval, all threads (s). */
  cpuS: number | null;
  cpuUsPerEvent: number | null;
  /** CPU time of the local store server and Kafka broker over the same interval (s). */
  storeServerCpuS: number | null;
  kafkaCpuS: number | null;
  peakRssMb: number | null;
  flushes: number | null;
  avgBatch: number | null;
  /** Smallest..largest batch written, and the policy's final count limit per worker. */
  batches: string | null;
  /** End to end: events written again that the store already held (read again after a rebalance). */
  duplicates: number | null;
  /** Counted statements by command, most first. */
  statements: string | null;
  p50Ms: number | null;
  p99Ms: number | null;
  error: string | null;
};

export function emptyRow(
  phase: PipelinePhase,
  workers: number | null,
  batch: BatchSetting | null,
  stored: number | null = null,
  layout: EventsLayout | null = null,
): PipelineBenchRow {
  return {
    phase,
    stored,
    layout,
    workers,
    batch: batch === null ? null : String(batch),
    events: 0,
    seconds: 0,
    eventsPerSec: 0,
    mbPerSec: null,
    vsCeiling: null,
    vsRaw: null,
    vsStored0: null,
    timeVsBrief: null,
    stmtPerEvent: null,
    storeBytesPerEvent: null,
    storePeakRssMb: null,
    peakWalMb: null,
    cpuS: null,
    cpuUsPerEvent: null,
    storeServerCpuS: null,
    kafkaCpuS: null,
    peakRssMb: null,
    flushes: null,
    avgBatch: null,
    batches: null,
    duplicates: null,
    statements: null,
    p50Ms: null,
    p99Ms: null,
    error: null,
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "120..20000 limit 5000/10000": smallest and largest batch, final count limit per worker. */
export function describeSizes(sizes: Pick<BatchSizes, 'min' | 'max' | 'finalCountLimits'>): string {
  const limits = sizes.finalCountLimits.length > 0 ? ` limit ${sizes.finalCountLimits.join('/')}` : '';
  return `${Number.isFinite(sizes.min) ? sizes.min : '-'}..${sizes.max}${limits}`;
}

export function withSizes(row: PipelineBenchRow, sizes: BatchSizes): void {
  row.flushes = sizes.flushes;
  row.avgBatch = sizes.flushes > 0 ? Math.round(sizes.records / sizes.flushes) : null;
  row.batches = describeSizes(sizes);
}

/** Statements per event and the mix (the events must be set first). */
export function withStatements(row: PipelineBenchRow, counts: StatementCounts): void {
  row.stmtPerEvent = row.events > 0 ? round(totalStatements(counts) / row.events, 3) : null;
  row.statements = describeStatements(counts) || null;
}

/** What the store server spent over the phase (the events must be set first). */
export function withStoreUsage(row: PipelineBenchRow, usage: StoreUsage): void {
  const mb = (bytes: number | null): number | null => (bytes === null ? null : round(bytes / 1048576, 1));
  row.storeBytesPerEvent =
    usage.writeBytes === null || row.events === 0 ? null : Math.round(usage.writeBytes / row.events);
  row.storePeakRssMb = usage.peakRssKb === null ? null : round(usage.peakRssKb / 1024, 1);
  row.peakWalMb = mb(usage.peakWalBytes);
}

/** CPU time between two samples of the measured process (the events must be set first). */
export function withCpu(row: PipelineBenchRow, cpuMs: number): void {
  row.cpuS = round(cpuMs / 1000);
  row.cpuUsPerEvent = row.events > 0 ? round((cpuMs * 1000) / row.events, 1) : null;
}

/** Null when either is missing, or when the time went backwards (another process: a restart). */
export function cpuBetween(from: ProcSample | null, to: ProcSample | null): number | null {
  return from === null || to === null || to.cpuMs < from.cpuMs ? null : to.cpuMs - from.cpuMs;
}

/**
 * A rate worth comparing: the run succeeded, or was capped (its rate over the capped interval is
 * still a fair rate: a slow store on a small machine must not stall the grid).
 */
function hasRate(row: PipelineBenchRow): boolean {
  return row.eventsPerSec > 0 && (row.error === null || row.error.startsWith('capped'));
}

/**
 * The ratios of the table, each between rows of the same run:
 * - vsCeiling: e2e / min(consume, store) of the same setting (and stored level and layout, for the store);
 * - vsRaw: store and e2e / raw of the same stored level, layout and setting;
 * - vsStored0: raw, store, e2e and brief / the same at stored level 0 (and the same layout);
 * - timeVsBrief: e2e time / brief time at the same level and worker count (brief rate / e2e rate).
 * A failed row (not merely capped) has no rate and gives no ratio.
 */
export function fillRatios(rows: PipelineBenchRow[]): void {
  const rate = (
    phase: PipelinePhase,
    r: PipelineBenchRow,
    stored: number | null,
    batch: string | null = r.batch,
  ): number | null => {
    // The consume ceiling stores nothing and the brief stores its own way: any layout's row matches.
    const layout = phase === 'consume' || phase === 'brief' ? null : r.layout;
    const c = rows.find(
      (x) =>
        x.phase === phase &&
        x.workers === r.workers &&
        x.batch === batch &&
        x.stored === stored &&
        x.layout === layout,
    );
    return c === undefined || !hasRate(c) ? null : c.eventsPerSec;
  };
  const ratio = (a: number, b: number | null): number | null => (b === null ? null : round(a / b));
  for (const row of rows) {
    if (!hasRate(row)) continue;
    if (row.phase === 'e2e') {
      const consume = rate('consume', row, null);
      const store = rate('store', row, row.stored);
      if (consume !== null && store !== null)
        row.vsCeiling = ratio(row.eventsPerSec, Math.min(consume, store));
      const brief = rate('brief', row, row.stored, null);
      if (brief !== null) row.timeVsBrief = round(brief / row.eventsPerSec);
    }
    if (row.phase === 'store' || row.phase === 'e2e')
      row.vsRaw = ratio(row.eventsPerSec, rate('raw', row, row.stored));
    if (['raw', 'store', 'e2e', 'brief'].includes(row.phase) && row.stored !== null)
      row.vsStored0 = ratio(row.eventsPerSec, rate(row.phase, row, 0));
  }
}

const CHART_SERIES: Partial<Record<PipelinePhase, number>> = {
  consume: 0,
  raw: 1,
  store: 2,
  e2e: 3,
  brief: 4,
};

/**
 * Events/s as grouped bars: per (workers, batch) one group for the consume ceiling (no store), and
 * per stored level one for the raw insert ceiling, store ceiling, end to end and the brief's design.
 */
export function pipelineChart(report: BenchReport<PipelineBenchRow>): string {
  const cells = new Map<string, { label: string; values: (number | null)[] }>();
  const setting = (r: PipelineBenchRow): string =>
    `${r.workers} worker${r.workers === 1 ? '' : 's'}${r.batch === null ? '' : `, batch ${r.batch}`}`;
  for (const row of report.rows) {
    const s = CHART_SERIES[row.phase];
    if (s === undefined) continue;
    // The brief has no batch setting: it joins the group of its level's first setting.
    const peer =
      row.phase === 'brief'
        ? report.rows.find((r) => r.phase === 'e2e' && r.stored === row.stored && r.workers === row.workers)
        : row;
    const batch = peer?.batch ?? row.batch;
    const layout = peer?.layout ?? row.layout;
    const key = `${row.stored}/${row.workers}/${batch}/${layout}`;
    const cell = cells.get(key) ?? {
      label:
        `${setting({ ...row, batch })}\n${row.stored === null ? 'no store' : `${compactNumber(row.stored)} stored`}` +
        (layout === null || layout === 'documents' ? '' : `, ${layout}`),
      values: [null, null, null, null, null],
    };
    cell.values[s] = hasRate(row) ? row.eventsPerSec : null;
    cells.set(key, cell);
  }
  const produce = report.rows.find((r) => r.phase === 'produce');
  const p = report.params;
  return barChartSvg({
    title: `ipstream pipeline: events/s per phase and stored level (${report.startedAt.slice(0, 16)}Z)`,
    subtitle:
      `N=${p.events} devices=${p.devices} partitions=${p.partitions} store=${p.store}, node ${report.environment.node}, ` +
      `${report.environment.cores} cores` +
      (produce ? `; producer ${Math.round(produce.eventsPerSec)} events/s` : ''),
    unit: 'events/s',
    series: ['consume ceiling', 'raw insert ceiling', 'store ceiling', 'end to end', "brief's design"],
    groups: [...cells.values()],
  });
}
