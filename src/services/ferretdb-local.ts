import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPort } from './net.ts';
import { PROJECT_ROOT } from './paths.ts';
import { spawnDetached } from './processes.ts';
import { requireTool, runStep } from './tools.ts';

export function ferretPaths(stateDir: string) {
  const dir = join(stateDir, 'ferretdb');
  return {
    dir,
    data: join(dir, 'data'),
    binary: join(stateDir, 'bin', 'ferretdb'),
    pidFile: join(dir, 'ferretdb.pid'),
    log: join(dir, 'ferretdb.log'),
  };
}

const SOURCE = join(PROJECT_ROOT, 'services', 'ferretdb');

function binaryIsCurrent(binary: string): boolean {
  if (!existsSync(binary)) return false;
  const built = statSync(binary).mtimeMs;
  return ['main.go', 'go.mod', 'go.sum'].every((f) => statSync(join(SOURCE, f)).mtimeMs <= built);
}

/**
 * Builds FerretDB 1.24 from the Go module proxy. Go's module and build caches (under the user's
 * home) make every build after the first take seconds; the binary itself is kept in the state folder.
 */
export async function buildFerretdb(stateDir: string, onStep: (msg: string) => void): Promise<string> {
  const { binary } = ferretPaths(stateDir);
  if (binaryIsCurrent(binary)) return binary;
  await requireTool('go', ['version'], 'to build FerretDB (the local MongoDB-compatible server)');
  onStep('building FerretDB 1.24 with Go (first run takes a minute or two)');
  mkdirSync(join(stateDir, 'bin'), { recursive: true });
  await runStep('go', ['build', '-trimpath', '-o', binary, '.'], {
    cwd: SOURCE,
    timeoutMs: 30 * 60_000,
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  return binary;
}

export async function startFerretdb(
  stateDir: string,
  listen: HostPort,
  onStep: (msg: string) => void,
): Promise<number> {
  const binary = await buildFerretdb(stateDir, onStep);
  const paths = ferretPaths(stateDir);
  mkdirSync(paths.data, { recursive: true });
  const host = listen.host === 'localhost' ? '127.0.0.1' : listen.host;
  onStep(`starting FerretDB on ${host}:${listen.port}`);
  return spawnDetached(
    binary,
    ['--listen-addr', `${host}:${listen.port}`, '--data-dir', paths.data, '--log-level', 'warn'],
    { cwd: paths.dir, logFile: paths.log, pidFile: paths.pidFile },
  );
}
