/**
 * A grouped bar chart as a self-contained SVG document, written by hand (no dependency): one group
 * per configuration, one bar per series, a value above each bar, an axis from zero (or a log axis
 * when the values span orders of magnitude, as pipeline ceilings do).
 */

export interface BarGroup {
  label: string;
  /** One value per series, in series order; null leaves a gap (not measured, or failed). */
  values: readonly (number | null)[];
}

export interface BarChartOptions {
  title: string;
  /** Axis caption, e.g. "events/s". */
  unit: string;
  series: readonly string[];
  groups: readonly BarGroup[];
  /** A line under the title (parameters of the run). */
  subtitle?: string;
  height?: number;
  /**
   * 'log' for values spanning orders of magnitude (ticks at powers of ten, bars from the lowest);
   * 'auto' (the default) picks log when the largest value is over 100 times the smallest.
   */
  scale?: 'linear' | 'log' | 'auto';
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** 1234 -> "1.23k", 56789 -> "56.8k", 1234567 -> "1.23M"; three significant digits. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const [scaled, suffix] =
    abs >= 1e9
      ? [value / 1e9, 'G']
      : abs >= 1e6
        ? [value / 1e6, 'M']
        : abs >= 1e3
          ? [value / 1e3, 'k']
          : [value, ''];
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${Number(scaled.toFixed(digits))}${suffix}`;
}

/** Evenly spaced round ticks (1, 2 or 5 times a power of ten) from 0 to at least `max`. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** Powers of ten from the one at or below `min` to the one at or above `max` (both > 0). */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => Number((10 ** (lo + i)).toPrecision(12)));
}

/** A text element at (x, y). */
export function svgText(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escapeXml(body)}</text>`;
}

/** The title, the subtitle and the value axis's grid lines with their labels. */
export function chartHeading(
  o: { title: string; subtitle?: string | undefined; left: number; right: number; width: number },
  ticks: readonly number[],
  y: (value: number) => number,
  base: number,
): string[] {
  const out = [svgText(o.left, 22, o.title, ' font-size="15" font-weight="bold"')];
  if (o.subtitle !== undefined) out.push(svgText(o.left, 42, o.subtitle, ' fill="#555"'));
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(
      `<line x1="${o.left}" x2="${o.width - o.right}" y1="${ty}" y2="${ty}" stroke="${t === base ? '#333' : '#e4e4e4'}"/>`,
      svgText(o.left - 6, y(t) + 4, compactNumber(t), ' text-anchor="end" fill="#555"'),
    );
  }
  return out;
}

export function barChartSvg(options: BarChartOptions): string {
  const { series, groups } = options;
  const barWidth = 22;
  const barGap = 3;
  const groupGap = 26;
  const left = 70;
  const right = 20;
  const top = options.subtitle === undefined ? 44 : 62;
  const legendHeight = 22;
  const plotHeight = (options.height ?? 360) - top - 70 - legendHeight;
  const groupWidth = series.length * (barWidth + barGap) - barGap;
  const width = Math.ceil(
    Math.max(
      480,
      left + right + groups.length * (groupWidth + groupGap) + groupGap,
      left + right + options.title.length * 9,
      left + right + (options.subtitle?.length ?? 0) * 6.2,
    ),
  );
  const height = top + plotHeight + 70 + legendHeight;
  const values = groups.flatMap((g) => g.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const max = Math.max(0, ...values);
  const positive = values.filter((v) => v > 0);
  const minPositive = positive.length > 0 ? Math.min(...positive) : 0;
  const log =
    options.scale === 'log'
      ? positive.length > 0
      : options.scale !== 'linear' && minPositive > 0 && max / minPositive > 100;
  const ticks = log ? logTicks(minPositive, max) : niceTicks(max);
  const bottom = log ? ticks[0]! : 0;
  const top0 = ticks[ticks.length - 1] ?? 1;
  const fraction = (v: number): number =>
    log
      ? (Math.log10(Math.max(v, bottom)) - Math.log10(bottom)) / (Math.log10(top0) - Math.log10(bottom))
      : v / top0;
  const y = (v: number): number => top + plotHeight - fraction(v) * plotHeight;
  const out: string[] = [];
  const text = (x: number, yy: number, body: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}"${attrs}>${escapeXml(body)}</text>`);
  };

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  );
  out.push(...chartHeading({ ...options, left, right, width }, ticks, y, bottom));
  const midY = top + plotHeight / 2;
  text(
    16,
    midY,
    log ? `${options.unit} (log scale)` : options.unit,
    ` text-anchor="middle" transform="rotate(-90 16 ${midY.toFixed(1)})" fill="#555"`,
  );

  groups.forEach((group, g) => {
    const x0 = left + groupGap + g * (groupWidth + groupGap);
    group.values.forEach((value, s) => {
      if (value === null || !Number.isFinite(value)) return;
      const x = x0 + s * (barWidth + barGap);
      const by = y(Math.max(bottom, value));
      const color = COLORS[s % COLORS.length]!;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${barWidth}" height="${(top + plotHeight - by).toFixed(1)}" fill="${color}"><title>${escapeXml(`${group.label} ${series[s] ?? ''}: ${Math.round(value)} ${options.unit}`)}</title></rect>`,
      );
      const lx = x + barWidth / 2;
      const ly = by - 4;
      text(
        lx,
        ly,
        compactNumber(value),
        ` text-anchor="middle" font-size="9" transform="rotate(-45 ${lx.toFixed(1)} ${ly.toFixed(1)})"`,
      );
    });
    const cx = x0 + groupWidth / 2;
    const lines = group.label.split('\n');
    lines.forEach((line, i) => text(cx, top + plotHeight + 16 + i * 13, line, ' text-anchor="middle"'));
  });

  let lx = left;
  const ly = height - legendHeight + 4;
  series.forEach((name, s) => {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[s % COLORS.length]!}"/>`);
    text(lx + 16, ly, name);
    lx += 28 + name.length * 6.5;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
