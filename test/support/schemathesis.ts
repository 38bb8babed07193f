import { spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Pinned: a newer schemathesis may add checks, and a test should change only with the code. */
export const SCHEMATHESIS_VERSION = '4.32.5';

function installedVersion(python: string): string | undefined {
  if (!existsSync(python)) return undefined;
  const run = spawnSync(python, ['-m', 'schemathesis.cli', '--version'], { encoding: 'utf8' });
  return run.status === 0 ? /version (\S+)/.exec(run.stdout)?.[1] : undefined;
}

function must(command: string, args: string[]): void {
  const run = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${run.status ?? run.signal}):\n${run.stderr}`);
  }
}

/**
 * The Python of a virtualenv under the state folder with schemathesis installed from PyPI: made once
 * and reused. It is built beside the final place and renamed into it, so a run that is interrupted,
 * or another checkout sharing the state folder, never sees half an install. Scripts in a moved
 * virtualenv point at the old place, so callers run `python -m schemathesis.cli`, never its script.
 */
export function ensureSchemathesis(stateDir: string, log: (message: string) => void): string {
  const venv = resolve(stateDir, 'venv');
  const python = join(venv, 'bin', 'python');
  if (installedVersion(python) === SCHEMATHESIS_VERSION) return python;
  const building = `${venv}.build-${process.pid}`;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  rmSync(building, { recursive: true, force: true });
  try {
    must('python3', ['-m', 'venv', building]);
    must(join(building, 'bin', 'python'), [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ]);
    // Another process may have finished first; its install is as good as this one.
    if (installedVersion(python) !== SCHEMATHESIS_VERSION) {
      rmSync(venv, { recursive: true, force: true });
      renameSync(building, venv);
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return python;
}

export interface SchemathesisRun {
  code: number | string;
  output: string;
}

/**
 * Runs `schemathesis --config-file configFile run args` without blocking this process (it may be
 * serving the API under test), in `cwd`; killed after timeoutMs.
 */
export function runSchemathesis(
  python: string,
  configFile: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<SchemathesisRun> {
  const child = spawn(python, ['-m', 'schemathesis.cli', '--config-file', configFile, 'run', ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? 'unknown', output });
    });
  });
}
