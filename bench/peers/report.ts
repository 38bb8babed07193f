/**
 * The peers benchmark's results as rows (pure): the headline row per system keeps exactly
 * `{system, eventsPerSec, cpuPerKEvents, peakRssMb, lost, duplicated}` (throughput, CPU and memory
 * from the clean run, lost and duplicated from the kill run); everything else goes to detail rows.
 */
import { barChartSvg } from '../chart.ts';
import type { BenchRow } from '../report.ts';
import type { CountAnswer } from './query.ts';
import type { CleanResult, KillResult } from './runs.ts';

export interface SystemResult {
  system: string;
  clean: CleanResult;
  kill: KillResult | null;
}

export interface PeerRow {
  [key: string]: string | number | null;
  system: string;
  eventsPerSec: number | null;
  cpuPerKEvents: number | null;
  peakRssMb: number | null;
  lost: number | null;
  duplicated: number | null;
}

export function peerRow(r: SystemResult): PeerRow {
  return {
    system: r.system,
    eventsPerSec: r.clean.error === null ? r.clean.eventsPerSec : null,
    cpuPerKEvents: r.clean.error === null ? r.clean.cpuPerKEvents : null,
    peakRssMb: r.clean.error === null ? r.clean.peakRssMb : null,
    lost: r.kill?.tally?.lost ?? null,
    duplicated: r.kill?.tally?.duplicated ?? null,
  };
}

export function detailRow(r: SystemResult): BenchRow {
  const extras = { ...r.clean.extras };
  const killExtras = r.kill?.extras ?? {};
  return {
    system: r.system,
    seconds: r.clean.seconds,
    cpuS: r.clean.cpuS,
    cpuWithStartupS: r.clean.cpuWithStartupS,
    storeCpuS: r.clean.storeCpuS,
    storeCpuPerKEvents: r.clean.storeCpuPerKEvents,
    storeBytesPerEvent: r.clean.storeBytesPerEvent,
    cleanLost: r.clean.tally?.lost ?? null,
    cleanDuplicated: r.clean.tally?.duplicated ?? null,
    cleanForeign: r.clean.tally?.foreign ?? null,
    storedAtKill: r.kill?.storedAtKill ?? null,
    killedAfterS: r.kill?.killedAfterS ?? null,
    restartAssignedS: r.kill?.restartAssignedS ?? null,
    restartDoneS: r.kill?.restartDoneS ?? null,
    killFinished: r.kill === null ? null : r.kill.finished,
    killExtraCopies: r.kill?.tally?.extraCopies ?? null,
    ...Object.fromEntries(Object.entries(extras).map(([k, v]) => [`clean.${k}`, v])),
    ...Object.fromEntries(Object.entries(killExtras).map(([k, v]) => [`kill.${k}`, v])),
    error: [r.clean.error, r.kill?.error === null || r.kill === null ? null : `kill run: ${r.kill.error}`]
      .filter((e) => e !== null)
      .join('; '),
  };
}

export function queryRow(a: CountAnswer): BenchRow {
  return {
    how: a.how,
    total: a.total,
    unique: a.unique,
    p50Ms: a.p50Ms,
    maxMs: a.maxMs,
    requests: a.requests,
    correct: a.correct,
    error: a.error ?? '',
  };
}

/** rows[a].eventsPerSec / rows[b].eventsPerSec, or null when either is missing. */
export function throughputRatio(rows: readonly PeerRow[], a: string, b: string): number | null {
  const x = rows.find((r) => r.system === a)?.eventsPerSec;
  const y = rows.find((r) => r.system === b)?.eventsPerSec;
  if (x === null || x === undefined || y === null || y === undefined || y === 0) return null;
  return Number((x / y).toFixed(2));
}

const show = (v: number | null): string => (v === null ? '-' : v.toLocaleString('en-US'));

export function peersChart(rows: readonly PeerRow[], subtitle: string): string {
  return barChartSvg({
    title: 'ipstream vs its peers: events/s until all stored (same topic, same store)',
    subtitle,
    unit: 'events/s',
    series: ['events/s (clean run)'],
    scale: 'linear',
    groups: rows.map((r) => ({
      label: `${r.system}\n${show(r.cpuPerKEvents)} CPU s/1k\nlost ${show(r.lost)}, dup ${show(r.duplicated)}`,
      values: [r.eventsPerSec],
    })),
  });
}

/** A markdown table of the headline rows (for the README). */
export function markdownTable(rows: readonly PeerRow[]): string {
  const header = '| system | events/s | CPU s / 1k events | peak RSS (MB) | lost | duplicated |';
  const rule = '| ------ | -------: | ----------------: | ------------: | ---: | ---------: |';
  const lines = rows.map(
    (r) =>
      `| ${r.system} | ${show(r.eventsPerSec)} | ${r.cpuPerKEvents === null ? '-' : r.cpuPerKEvents.toFixed(3)} | ${r.peakRssMb === null ? '-' : Math.round(r.peakRssMb)} | ${show(r.lost)} | ${show(r.duplicated)} |`,
  );
  return [header, rule, ...lines].join('\n');
}
