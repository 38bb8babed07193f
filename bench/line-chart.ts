/**
 * Lines over time as a self-contained SVG document (no dependency), for values sampled through a
 * run: one polyline per series, dashed horizontal lines for limits, axes from zero.
 */
import { chartHeading, compactNumber, escapeXml, niceTicks } from './chart.ts';

export interface LineSeries {
  name: string;
  /** [x, y] in x order. */
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xUnit: string;
  yUnit: string;
  series: readonly LineSeries[];
  /** Horizontal lines drawn dashed, such as a memory bound. */
  limits?: readonly { label: string; y: number }[];
  width?: number;
  height?: number;
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];

export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const left = 64;
  const right = 24;
  const top = o.subtitle === undefined ? 44 : 62;
  const bottom = 70;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = o.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = [...o.series.flatMap((s) => s.points.map(([, y]) => y)), ...(o.limits ?? []).map((l) => l.y)];
  const xTicks = niceTicks(Math.max(0, ...xs));
  const yTicks = niceTicks(Math.max(0, ...ys));
  const xMax = xTicks.at(-1) ?? 1;
  const yMax = yTicks.at(-1) ?? 1;
  const px = (x: number): number => left + (x / xMax) * plotW;
  const py = (y: number): number => top + plotH - (y / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  const text = (x: number, y: number, body: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escapeXml(body)}</text>`);
  };
  out.push(...chartHeading({ ...o, left, right, width }, yTicks, py, 0));
  for (const t of xTicks)
    text(px(t), top + plotH + 16, compactNumber(t), ' text-anchor="middle" fill="#555"');
  text(left + plotW / 2, top + plotH + 34, o.xUnit, ' text-anchor="middle" fill="#555"');
  const midY = top + plotH / 2;
  text(16, midY, o.yUnit, ` text-anchor="middle" transform="rotate(-90 16 ${midY.toFixed(1)})" fill="#555"`);
  for (const limit of o.limits ?? []) {
    const y = py(limit.y);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e15759" stroke-dasharray="6 4"/>`,
    );
    text(width - right, y - 4, limit.label, ' text-anchor="end" fill="#e15759"');
  }
  o.series.forEach((s, i) => {
    const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${COLORS[i % COLORS.length]!}" stroke-width="1.5"/>`,
    );
  });
  let lx = left;
  const ly = height - 14;
  o.series.forEach((s, i) => {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[i % COLORS.length]!}"/>`);
    text(lx + 16, ly, s.name);
    lx += 28 + s.name.length * 6.5;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
