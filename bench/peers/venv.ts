/**
 * A Python virtualenv for the benchmark's peers (bench/peers/), under the state folder: created
 * once with `python3 -m venv`, its requirements installed with its own pip, and reused while the
 * requirements are the same. A stamp file holds the hash of the requirements it was built from,
 * written last, so an install that was cut short is redone on the next run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveStateDir } from '../../src/local-services/index.ts';

const BRIEF_DIR = fileURLToPath(new URL('./brief/', import.meta.url));
export const BRIEF_SCRIPT = join(BRIEF_DIR, 'brief.py');
export const BRIEF_REQUIREMENTS = join(BRIEF_DIR, 'requirements.txt');

const STAMP = '.ipstream-requirements.sha256';

/**
 * The hash of what a requirements file asks for: comments, blank lines, surrounding spaces and the
 * order of the lines do not count (editing a comment does not reinstall), every requirement does.
 */
export function requirementsHash(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l !== '')
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** The virtualenv of the peers: `<state dir>/venv-bench`. */
export function venvDir(stateDir: string): string {
  return join(resolveStateDir(stateDir), 'venv-bench');
}

function venvPython(dir: string): string {
  return join(dir, 'bin', 'python');
}

/** Whether the virtualenv at `dir` was built from requirements with this hash. */
export function venvIsCurrent(dir: string, hash: string): boolean {
  try {
    return existsSync(venvPython(dir)) && readFileSync(join(dir, STAMP), 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

/** One line saying why python3 cannot make a virtualenv here, or null when it can. */
export function pythonProblem(python = 'python3'): string | null {
  const probe = spawnSync(python, ['-c', 'import venv, ensurepip'], { encoding: 'utf8' });
  if (probe.error !== undefined)
    return `the brief peer needs ${python} (not found: ${probe.error.message}); install Python 3 with its venv module`;
  if (probe.status !== 0)
    return `the brief peer needs ${python} with its venv module (import venv, ensurepip failed; on Debian: apt-get install python3-venv)`;
  return null;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${output.trim()}`));
    });
  });
}

/**
 * The Python of a virtualenv holding `requirements` (a requirements.txt), made or remade only when
 * those changed. Throws an Error whose first line says what is missing.
 */
export async function ensureVenv(
  dir: string,
  requirements: string,
  progress: (message: string) => void = () => undefined,
): Promise<string> {
  const hash = requirementsHash(readFileSync(requirements, 'utf8'));
  if (venvIsCurrent(dir, hash)) return venvPython(dir);
  const problem = pythonProblem();
  if (problem !== null) throw new Error(problem);
  progress(`creating ${dir} and installing ${requirements} (once; again only when it changes)`);
  await rm(dir, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', dir]);
  await run(venvPython(dir), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-input',
    '-r',
    requirements,
  ]);
  await writeFile(join(dir, STAMP), `${hash}\n`);
  return venvPython(dir);
}
