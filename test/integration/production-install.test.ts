import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TopicAdmin } from '../../src/kafka/index.ts';
import { envFor } from '../support/cli.ts';
import { eventually, testConfig } from '../support/config.ts';

// The production image, as far as it can be made here: no image can be built, so this replays the
// Dockerfile's steps (COPY from the tracked files, as a clean clone has them; ENV; RUN, with Node
// 24 first on the PATH as in the official image) in a folder of its own, then runs its ENTRYPOINT
// and CMD from there. A product module that imports a development dependency, or a file the image
// does not copy, fails here.

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const config = testConfig('prod-install');
const admin = new TopicAdmin(config.kafka);
const dir = mkdtempSync(join(tmpdir(), 'ipstream-prod-'));

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

interface Image {
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** Runs a command to its end; kills it (by its pid) after timeoutMs so a hang fails the test. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  const text = readFileSync(join(CHECKOUT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** Replays the Dockerfile into `dir` (its WORKDIR); returns what the image would run with. */
async function buildImage(): Promise<Image> {
  const tracked = (path: string): string[] => {
    const listed = spawnSync('git', ['ls-files', '-z', '--', path], { cwd: CHECKOUT, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    return listed.stdout.split('\0').filter(Boolean);
  };
  // npm in the environment of `npm test` would carry that run's settings (npm_config_*); the
  // image's steps get none of them, and run under this Node like the Node 24 image.
  const buildEnv: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => !/^npm_/i.test(e[0]) && e[1] !== undefined,
    ),
  );
  buildEnv.PATH = `${dirname(process.execPath)}:${buildEnv.PATH ?? ''}`;
  const image: Image = { env: {}, entrypoint: [], cmd: [] };
  for (const { op, args } of instructions()) {
    if (op === 'COPY') {
      const parts = args.split(/\s+/).filter((a) => !a.startsWith('--'));
      const target = join(dir, parts.pop()!);
      for (const source of parts) {
        const files = tracked(source);
        assert.ok(files.length > 0, `COPY ${source}: tracked files`);
        for (const file of files) {
          // `COPY a b ./` puts files in ./; `COPY src ./src` puts the folder's content in ./src.
          const inTarget = file === source ? basename(file) : relative(source, file);
          cpSync(join(CHECKOUT, file), join(target, inTarget));
        }
      }
    } else if (op === 'ENV') {
      const [name, ...value] = args.split('=');
      image.env[name!] = buildEnv[name!] = value.join('=');
    } else if (op === 'RUN') {
      const command = args.replace(/^(--\S+\s+)+/, '');
      const result = await run('sh', ['-c', command], buildEnv, 300_000);
      assert.equal(result.code, 0, `RUN ${command}\n${result.stdout}${result.stderr}`);
    } else if (op === 'ENTRYPOINT') image.entrypoint = JSON.parse(args) as string[];
    else if (op === 'CMD') image.cmd = JSON.parse(args) as string[];
  }
  assert.equal(image.entrypoint[0], 'node', 'the entrypoint runs node');
  return image;
}

let image: Image;

/** `ipstream args` as the image's entrypoint runs it, on this test's Node (24, as the image's). */
const ipstream = (args: string[], env: NodeJS.ProcessEnv = envFor(config)) =>
  run(process.execPath, [...image.entrypoint.slice(1), ...args], { ...env, ...image.env }, 60_000);

before(async () => {
  image = await buildImage();
  await admin.create(config.kafka.topic, 2);
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
});

describe('production image (the Dockerfile, replayed)', { concurrency: true }, () => {
  it('holds the dependencies and none of the development dependencies', () => {
    assert.ok(existsSync(join(dir, 'node_modules', 'fastify', 'package.json')));
    for (const name of ['typescript', 'date-fns', 'eslint', 'node']) {
      assert.equal(existsSync(join(dir, 'node_modules', name)), false, name);
    }
  });

  it('ipstream --help lists the commands', async () => {
    const help = await ipstream(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: ipstream /);
    for (const command of [
      'up',
      'serve',
      'ingest',
      'produce',
      'topic',
      'timestamp',
      'dead-letters',
      'bench',
    ]) {
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
    }
  });

  it('ipstream timestamp prints the ISO form', async () => {
    const answer = await ipstream(['timestamp', '2024-09-18T14:14:10Z']);
    assert.equal(answer.code, 0, answer.stderr);
    assert.equal(answer.stdout, '2024-09-18T14:14:10.000Z\n');
  });

  it('ipstream topic describe reads the topic from Kafka', async () => {
    const answer = await ipstream(['topic', 'describe', '--json']);
    assert.equal(answer.code, 0, answer.stderr);
    const described = JSON.parse(answer.stdout) as { topic: string; partitions: unknown[]; group: string };
    assert.equal(described.topic, config.kafka.topic);
    assert.equal(described.partitions.length, 2);
    assert.equal(described.group, config.kafka.group);
  });

  it("the image's default command serves the API, ready, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [...image.entrypoint.slice(1), ...image.cmd], {
      cwd: dir,
      env: { ...envFor(config), ...image.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      const url = await eventually(
        () => /dashboard (http:\S+)\//.exec(stdout)?.[1],
        60_000,
        'the API to listen',
      );
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      await eventually(
        async () => (await fetch(`${url}/readyz`)).status === 200,
        30_000,
        'the API to be ready',
      );
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('ipstream bench says in one line that benchmarks need a development install', async () => {
    const answer = await ipstream(['bench', '--help']);
    assert.notEqual(answer.code, 0);
    assert.equal(answer.stdout, '');
    const lines = answer.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, answer.stderr);
    assert.match(lines[0]!, /^ipstream: the benchmarks need a development install \(npm install\)/);
  });
});
