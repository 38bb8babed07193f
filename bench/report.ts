/**
 * What every benchmark hands back, and the two ways it leaves the process: a table for people and a
 * JSON file under bench-results/ for comparing runs later.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BenchCell = string | number | boolean | null;
export type BenchRow = Record<string, BenchCell>;

export interface BenchEnvironment {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
}

export interface BenchReport<Row extends BenchRow = BenchRow> {
  /** Short and file-name safe, e.g. "timestamps". */
  name: string;
  /** ISO 8601 UTC start of the run. */
  startedAt: string;
  environment: BenchEnvironment;
  /** The knobs of this run (sizes, durations...), printed above the table. */
  params: Record<string, BenchCell>;
  rows: Row[];
  /** Caveats a reader of the numbers needs (method, what the baselines do differently). */
  notes: string[];
}

export function benchEnvironment(): BenchEnvironment {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
  };
}

function formatCell(value: BenchCell): string {
  if (value === null) return '-';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** Columns are the union of the rows' keys in first-seen order; numbers are right-aligned. */
export function printTable(report: BenchReport, out: NodeJS.WritableStream = process.stdout): void {
  const columns: string[] = [];
  for (const row of report.rows)
    for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cells = report.rows.map((row) => columns.map((c) => formatCell(row[c] ?? null)));
  const numeric = columns.map((c) => report.rows.some((row) => typeof row[c] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();

  const env = report.environment;
  const params = Object.entries(report.params)
    .map(([k, v]) => `${k}=${formatCell(v)}`)
    .join(' ');
  const text = [
    `${report.name}  (${env.node}, ${env.cpu}, ${env.cores} cores)${params ? `  ${params}` : ''}`,
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...report.notes.map((n) => `note: ${n}`),
  ];
  out.write(`${text.join('\n')}\n`);
}

/**
 * The report with the bench process's peak RSS so far (the kernel's high-water mark, all threads)
 * among its params: for benchmarks that measure in this process, where every row shares it.
 */
export function withPeakRss<Row extends BenchRow>(report: BenchReport<Row>): BenchReport<Row> {
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return { ...report, params: { ...report.params, peakRssMb } };
}

/** Writes `<dir>/<name>-<startedAt>.json` (creating `dir`) and resolves to its path. */
export async function writeJson(report: BenchReport, dir = 'bench-results'): Promise<string> {
  await mkdir(dir, { recursive: true });
  // Colons are not allowed in Windows file names and confuse some tools; the stamp stays sortable.
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const path = join(dir, `${report.name}-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/** The commit measured, "+dirty" when the sources differ from it; null outside a git checkout. */
export function codeVersion(): string | null {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'bench'], {
      cwd,
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? head : `${head}+dirty`;
  } catch {
    return null;
  }
}
