/**
 * One line of the pipeline benchmark's table, the helpers that fill it, and the chart of the grid.
 */
import type { BenchReport } from './report.ts';
import { barChartSvg } from './chart.ts';
import type { ProcSample } from './measured-process.ts';
import type { BatchSetting, BatchSizes } from './pipeline-protocol.ts';

export type PipelinePhase = 'produce' | 'consume' | 'store' | 'e2e' | 'latency';

export type PipelineBenchRow = {
  phase: PipelinePhase;
  workers: number | null;
  batch: string | null;
  events: number;
  /** Measured interval (s): see pipeline.ts for where each phase starts and stops. */
  seconds: number;
  eventsPerSec: number;
  mbPerSec: number | null;
  /** End to end / min(consume ceiling, store ceiling) of the same configuration. */
  vsCeiling: number | null;
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
  p50Ms: number | null;
  p99Ms: number | null;
  error: string | null;
};

export function emptyRow(
  phase: PipelinePhase,
  workers: number | null,
  batch: BatchSetting | null,
): PipelineBenchRow {
  return {
    phase,
    workers,
    batch: batch === null ? null : String(batch),
    events: 0,
    seconds: 0,
    eventsPerSec: 0,
    mbPerSec: null,
    vsCeiling: null,
    cpuS: null,
    cpuUsPerEvent: null,
    storeServerCpuS: null,
    kafkaCpuS: null,
    peakRssMb: null,
    flushes: null,
    avgBatch: null,
    batches: null,
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

/** CPU time between two samples of the measured process (the events must be set first). */
export function withCpu(row: PipelineBenchRow, cpuMs: number): void {
  row.cpuS = round(cpuMs / 1000);
  row.cpuUsPerEvent = row.events > 0 ? round((cpuMs * 1000) / row.events, 1) : null;
}

export function cpuBetween(from: ProcSample | null, to: ProcSample | null): number | null {
  return from === null || to === null ? null : to.cpuMs - from.cpuMs;
}

/**
 * A rate worth comparing: the run succeeded, or was capped (its rate over the capped interval is
 * still a fair rate: a slow store on a small machine must not stall the grid).
 */
export function hasRate(row: PipelineBenchRow): boolean {
  return row.eventsPerSec > 0 && (row.error === null || row.error.startsWith('capped'));
}

/** e2e / min(consume, store) for every e2e row whose two ceilings of the same setting have rates. */
export function fillRatios(rows: PipelineBenchRow[]): void {
  const rate = (phase: PipelinePhase, r: PipelineBenchRow): number | null => {
    const c = rows.find((x) => x.phase === phase && x.workers === r.workers && x.batch === r.batch);
    return c === undefined || !hasRate(c) ? null : c.eventsPerSec;
  };
  for (const row of rows) {
    if (row.phase !== 'e2e' || !hasRate(row)) continue;
    const consume = rate('consume', row);
    const store = rate('store', row);
    if (consume !== null && store !== null)
      row.vsCeiling = round(row.eventsPerSec / Math.min(consume, store));
  }
}

/** The grid as grouped bars: per (workers, batch), consume ceiling, store ceiling, end to end. */
export function pipelineChart(report: BenchReport<PipelineBenchRow>): string {
  const cells = new Map<string, { label: string; values: (number | null)[] }>();
  const index: Partial<Record<PipelinePhase, number>> = { consume: 0, store: 1, e2e: 2 };
  for (const row of report.rows) {
    const s = index[row.phase];
    if (s === undefined) continue;
    const key = `${row.workers}/${row.batch}`;
    const cell = cells.get(key) ?? {
      label: `${row.workers} worker${row.workers === 1 ? '' : 's'}\nbatch ${row.batch}`,
      values: [null, null, null],
    };
    cell.values[s] = hasRate(row) ? row.eventsPerSec : null;
    cells.set(key, cell);
  }
  const produce = report.rows.find((r) => r.phase === 'produce');
  const p = report.params;
  return barChartSvg({
    title: `ipstream pipeline: events/s per configuration (${report.startedAt.slice(0, 16)}Z)`,
    subtitle:
      `N=${p.events} partitions=${p.partitions} store=${p.store}, node ${report.environment.node}, ` +
      `${report.environment.cores} cores` +
      (produce ? `; producer ${Math.round(produce.eventsPerSec)} events/s` : ''),
    unit: 'events/s',
    series: ['consume ceiling', 'store ceiling', 'end to end'],
    groups: [...cells.values()],
  });
}
