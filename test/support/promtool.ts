import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Debian's own, when the `prometheus` package is installed. */
const SYSTEM_PROMTOOL = '/usr/bin/promtool';

function works(promtool: string): boolean {
  return existsSync(promtool) && spawnSync(promtool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * `promtool` for the observability test: Debian's, from its `prometheus` package. When it is not
 * installed, apt fetches that package (once) and only its promtool is unpacked into the state folder
 * (`.ipstream/tools/promtool`): installing the package would also install and start a Prometheus
 * server on a machine with systemd, and pull a dozen JavaScript packages for its web pages, none of
 * which the test needs. Fetching needs no root when the package lists are current; as root, an
 * `apt-get update` comes first when the fetch fails. Like the other tools, it is unpacked beside
 * its final place and renamed into it, so an interrupted run never leaves half of it.
 */
export function ensurePromtool(stateDir: string, log: (message: string) => void): string {
  if (works(SYSTEM_PROMTOOL)) return SYSTEM_PROMTOOL;
  const tools = resolve(stateDir, 'tools');
  const promtool = join(tools, 'promtool');
  if (works(promtool)) return promtool;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `promtool is missing: install the prometheus package (Debian), or put promtool at ${promtool}`,
    );
  }
  log("fetching Debian's prometheus package for promtool (first run only)");
  mkdirSync(tools, { recursive: true });
  const work = mkdtempSync(join(tools, 'promtool-'));
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const download = () =>
      execFileSync('apt-get', ['download', '-qq', 'prometheus'], {
        cwd: work,
        stdio: 'pipe',
        env,
        timeout: 600_000,
      });
    try {
      download();
    } catch (error) {
      if (process.getuid?.() !== 0) throw error;
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 600_000 });
      download();
    }
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'));
    if (deb === undefined) throw new Error('apt-get download prometheus left no .deb');
    execFileSync('dpkg-deb', ['-x', join(work, deb), join(work, 'root')], { stdio: 'pipe' });
    const unpacked = join(work, 'root', 'usr', 'bin', 'promtool');
    copyFileSync(unpacked, join(work, 'promtool'));
    renameSync(join(work, 'promtool'), promtool);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!works(promtool)) throw new Error(`${promtool} does not run`);
  return promtool;
}

export interface PromtoolRun {
  code: number | null;
  output: string;
}

/** `promtool check metrics` on a scrape's text (promtool reads it from stdin). */
export function checkMetrics(promtool: string, text: string): PromtoolRun {
  const run = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** `promtool check rules` on rule files. */
export function checkRules(promtool: string, files: string[]): PromtoolRun {
  const run = spawnSync(promtool, ['check', 'rules', ...files], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}
