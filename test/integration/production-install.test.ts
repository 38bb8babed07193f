import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TopicAdmin } from '../../src/kafka/admin.ts';
import { envFor } from '../support/cli.ts';
import { testConfig } from '../support/config.ts';

// The install docs/deployment.md gives (`npm ci --omit=dev` in a copy of the repository, no
// development dependencies), then the commands a deployment runs, on Node 24. A product module that
// imports a development dependency fails here, as every command once did.

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const config = testConfig('prod-install');
const admin = new TopicAdmin(config.kafka);
const dir = mkdtempSync(join(tmpdir(), 'ipstream-prod-'));

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
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

/** `ipstream args` from the production install, run by this test's Node (24, as deployed). */
const ipstream = (args: string[], env: NodeJS.ProcessEnv = envFor(config)) =>
  run(process.execPath, ['bin/ipstream.js', ...args], env, 60_000);

before(async () => {
  // The tracked files, as a clone would have them (nothing built, installed or ignored).
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: CHECKOUT, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    cpSync(join(CHECKOUT, file), join(dir, file), { recursive: true });
  }
  // npm in the environment of `npm test` would carry that run's settings (npm_config_*); this
  // install gets none of them, and runs npm under this Node like a Node 24 image would.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
  const install = await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], env, 300_000);
  assert.equal(install.code, 0, install.stdout + install.stderr);
  await admin.create(config.kafka.topic, 2);
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await admin.deleteTopic(config.kafka.topic).catch(() => undefined);
  await admin.close();
});

describe('production install (npm ci --omit=dev)', { concurrency: true }, () => {
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
    for (const command of ['up', 'serve', 'ingest', 'produce', 'topic', 'timestamp', 'bench']) {
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

  it('ipstream bench says in one line that benchmarks need a development install', async () => {
    const answer = await ipstream(['bench', '--help']);
    assert.notEqual(answer.code, 0);
    assert.equal(answer.stdout, '');
    const lines = answer.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, answer.stderr);
    assert.match(lines[0]!, /^ipstream: the benchmarks need a development install \(npm install\)/);
  });
});
