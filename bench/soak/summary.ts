/**
 * What a soak's samples say (pure: no I/O): the resident set of the ingest process over time, and
 * whether, once it has settled, it stays flat and under its bound while ingest keeps up.
 */
import type { BenchRow } from '../report.ts';

export interface SoakSample {
  /** Seconds since producing began. */
  atS: number;
  /** Resident set of the ingest process now (MB). */
  rssMb: number;
  /** Its high-water mark so far (MB). */
  hwmMb: number;
  /** Records in the topic so far. */
  produced: number;
  /** Records below the group's committed offsets: stored, by ingest's own account. */
  committed: number;
  /** Whether the producer was still sending (false: the drain after it). */
  producing: boolean;
}

export interface SoakRow extends BenchRow {
  minute: number;
  rssMb: number;
  hwmMb: number;
  produced: number;
  committed: number;
  /** Produced but not yet committed. */
  lag: number;
  /** Committed per second since the previous row. */
  committedPerSec: number | null;
}

export interface SoakVerdict {
  /** The judged window: from the end of the settling time to the producer's last sample (s). */
  fromS: number;
  toS: number;
  samples: number;
  rssMinMb: number | null;
  rssMaxMb: number | null;
  /** The least-squares trend of RSS over the window (MB per minute). */
  rssSlopeMbPerMin: number | null;
  /** The highest high-water mark of the whole run, drain included (MB). */
  peakMb: number;
  boundMb: number;
  /** The trend rose by at most FLAT_SHARE of the bound across the window. */
  flat: boolean;
  /** The window's RSS stayed at or under the bound. */
  withinBound: boolean;
  /** The most produced-but-uncommitted records in the window. */
  maxLag: number | null;
  /** The window's lag stayed under KEPT_UP_SECONDS of the rate. */
  keptUp: boolean;
}

/** How much the RSS trend may rise over the judged window and still count as flat: 5% of the bound. */
export const FLAT_SHARE = 0.05;

/** Ingest keeps up when what it has not committed is under this many seconds of production. */
export const KEPT_UP_SECONDS = 30;

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** One row per `everyS` seconds (the first sample at or after each step), plus the last sample. */
export function soakRows(samples: readonly SoakSample[], everyS = 60): SoakRow[] {
  const picked: SoakSample[] = [];
  let next = 0;
  for (const s of samples) {
    if (s.atS < next) continue;
    picked.push(s);
    next = (Math.floor(s.atS / everyS) + 1) * everyS;
  }
  const last = samples.at(-1);
  if (last !== undefined && picked.at(-1) !== last) picked.push(last);
  return picked.map((s, i) => {
    const before = picked[i - 1];
    const seconds = before === undefined ? 0 : s.atS - before.atS;
    return {
      minute: round(s.atS / 60, 2),
      rssMb: Math.round(s.rssMb),
      hwmMb: Math.round(s.hwmMb),
      produced: s.produced,
      committed: s.committed,
      lag: s.produced - s.committed,
      committedPerSec:
        before === undefined || seconds <= 0 ? null : Math.round((s.committed - before.committed) / seconds),
    };
  });
}

/** Least-squares slope of y over x; null for fewer than two distinct x. */
export function slope(points: readonly (readonly [number, number])[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return sxx === 0 ? null : sxy / sxx;
}

/** The verdict over the samples taken while producing, from `settleS` on. */
export function soakVerdict(
  samples: readonly SoakSample[],
  o: { settleS: number; boundMb: number; rate: number },
): SoakVerdict {
  const producing = samples.filter((s) => s.producing);
  const window = producing.filter((s) => s.atS >= o.settleS);
  const rss = window.map((s) => s.rssMb);
  const perMin = slope(window.map((s) => [s.atS / 60, s.rssMb] as const));
  const fromS = window[0]?.atS ?? o.settleS;
  const toS = window.at(-1)?.atS ?? o.settleS;
  const rise = perMin === null ? null : perMin * ((toS - fromS) / 60);
  const lags = window.map((s) => s.produced - s.committed);
  const maxLag = lags.length === 0 ? null : Math.max(...lags);
  return {
    fromS,
    toS,
    samples: window.length,
    rssMinMb: rss.length === 0 ? null : Math.round(Math.min(...rss)),
    rssMaxMb: rss.length === 0 ? null : Math.round(Math.max(...rss)),
    rssSlopeMbPerMin: perMin === null ? null : round(perMin, 2),
    peakMb: Math.round(Math.max(0, ...samples.map((s) => s.hwmMb))),
    boundMb: o.boundMb,
    flat: rise !== null && rise <= FLAT_SHARE * o.boundMb,
    withinBound: rss.length > 0 && Math.max(...rss) <= o.boundMb,
    maxLag,
    keptUp: maxLag !== null && maxLag <= KEPT_UP_SECONDS * o.rate,
  };
}
