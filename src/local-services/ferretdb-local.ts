import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
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
    /** What the binary was built from (a hash of the sources and patches): rebuilt when it differs. */
    stamp: join(stateDir, 'bin', 'ferretdb.stamp'),
    build: join(stateDir, 'build', 'ferretdb'),
    pidFile: join(dir, 'ferretdb.pid'),
    /** The stamp of the binary the running server was started from. */
    runningStamp: join(dir, 'ferretdb.stamp'),
    log: join(dir, 'ferretdb.log'),
  };
}

const SOURCE = join(PROJECT_ROOT, 'services', 'ferretdb');
const PATCHES = join(SOURCE, 'patches');
const MODULE = 'github.com/FerretDB/FerretDB';

function patchFiles(): string[] {
  return readdirSync(PATCHES)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => join(PATCHES, f));
}

function sourceStamp(): string {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum'].map((f) => join(SOURCE, f)).concat(patchFiles())) {
    hash.update(file.slice(SOURCE.length)).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function binaryIsCurrent(binary: string, stamp: string, want: string): boolean {
  return existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want;
}

/**
 * Builds FerretDB 1.24 from the Go module proxy, with the patches in services/ferretdb/patches
 * applied to a copy of its module (see services/ferretdb/README.md for what each fixes). Go's
 * module and build caches (under the user's home) make every build after the first take seconds;
 * the binary itself is kept in the state folder and rebuilt when the sources or patches change.
 */
export async function buildFerretdb(stateDir: string, onStep: (msg: string) => void): Promise<string> {
  const paths = ferretPaths(stateDir);
  const want = sourceStamp();
  if (binaryIsCurrent(paths.binary, paths.stamp, want)) return paths.binary;
  await requireTool('go', ['version'], 'to build FerretDB (the local MongoDB-compatible server)');
  await requireTool('git', ['--version'], 'to patch FerretDB before building it');
  onStep('building FerretDB 1.24 with Go (first run takes a minute or two)');
  const env = { ...process.env, CGO_ENABLED: '0' };
  const step = { cwd: SOURCE, timeoutMs: 30 * 60_000, env };

  // A patched copy of the module, used through a replace directive in a go.mod of the build folder:
  // the module cache is read-only, and go's -overlay refuses files beneath it.
  const info = JSON.parse(await runStep('go', ['mod', 'download', '-json', MODULE], step)) as { Dir: string };
  const copy = join(paths.build, 'module');
  rmSync(paths.build, { recursive: true, force: true });
  mkdirSync(paths.build, { recursive: true });
  cpSync(info.Dir, copy, { recursive: true });
  makeWritable(copy);
  for (const patch of patchFiles()) {
    // The copy lies inside this project's work tree: without a ceiling, git would apply the patch
    // relative to the project's repository instead of the copy.
    await runStep('git', ['apply', '--whitespace=nowarn', patch], {
      ...step,
      cwd: copy,
      env: { ...env, GIT_CEILING_DIRECTORIES: paths.build },
    });
  }
  const modfile = join(paths.build, 'go.mod');
  writeFileSync(modfile, `${readFileSync(join(SOURCE, 'go.mod'), 'utf8')}\nreplace ${MODULE} => ${copy}\n`);
  writeFileSync(join(paths.build, 'go.sum'), readFileSync(join(SOURCE, 'go.sum')));

  mkdirSync(join(stateDir, 'bin'), { recursive: true });
  await runStep('go', ['build', '-trimpath', '-modfile', modfile, '-o', paths.binary, '.'], step);
  writeFileSync(paths.stamp, `${want}\n`);
  return paths.binary;
}

/** Files copied out of the module cache are read-only; patching needs them writable. */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/** Whether the running local FerretDB was built from other sources or patches than the current ones. */
export function ferretdbIsStale(stateDir: string): boolean {
  const { runningStamp } = ferretPaths(stateDir);
  return !existsSync(runningStamp) || readFileSync(runningStamp, 'utf8').trim() !== sourceStamp();
}

/**
 * Moves aside database files FerretDB cannot open: it refuses to start at all while one file in its
 * folder lacks its metadata table (seen after a crash during a database's creation). Only run while
 * FerretDB is stopped: SQLite files must not be opened by two implementations at once.
 */
function quarantineBrokenDatabases(
  paths: ReturnType<typeof ferretPaths>,
  onStep: (msg: string) => void,
): void {
  for (const file of readdirSync(paths.data).filter((f) => f.endsWith('.sqlite'))) {
    const path = join(paths.data, file);
    let healthy: boolean;
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        healthy =
          db.prepare(`SELECT 1 FROM sqlite_master WHERE name = '_ferretdb_collections'`).get() !== undefined;
      } finally {
        db.close();
      }
    } catch {
      healthy = false;
    }
    if (healthy) continue;
    const aside = join(paths.dir, 'quarantine', `${Date.now()}`);
    mkdirSync(aside, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, join(aside, file + suffix));
    }
    onStep(`moved ${file}, which FerretDB cannot open, to ${aside}`);
  }
}

/** A TLS listener beside the plain one: its port and PEM files; a CA makes client certificates required. */
export interface FerretTls {
  port: number;
  certFile: string;
  keyFile: string;
  caFile?: string;
}

export async function startFerretdb(
  stateDir: string,
  listen: HostPort,
  onStep: (msg: string) => void,
  tls?: FerretTls,
): Promise<number> {
  const binary = await buildFerretdb(stateDir, onStep);
  const paths = ferretPaths(stateDir);
  mkdirSync(paths.data, { recursive: true });
  quarantineBrokenDatabases(paths, onStep);
  const host = listen.host === 'localhost' ? '127.0.0.1' : listen.host;
  onStep(`starting FerretDB on ${host}:${listen.port}`);
  writeFileSync(paths.runningStamp, readFileSync(paths.stamp));
  return spawnDetached(
    binary,
    // error, not warn: FerretDB logs every command it does not implement at warn with the whole
    // message (the driver's endSessions on every close), megabytes an hour.
    [
      ...['--listen-addr', `${host}:${listen.port}`, '--data-dir', paths.data, '--log-level', 'error'],
      ...(tls === undefined
        ? []
        : [
            ...['--listen-tls', `${host}:${tls.port}`],
            ...['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile],
            ...(tls.caFile === undefined ? [] : ['--tls-ca-file', tls.caFile]),
          ]),
    ],
    { cwd: paths.dir, logFile: paths.log, pidFile: paths.pidFile },
  );
}
