import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/index.ts';

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr), while it runs. */
  output(): string;
  /** Resolves with the exit code (or the signal name) and everything printed. */
  exited: Promise<{ code: number | string; stdout: string; stderr: string }>;
}

/** The environment that points a child `ipstream` at a test's own topic, group and database. */
export function envFor(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    KAFKA_TOPIC: config.kafka.topic,
    KAFKA_GROUP: config.kafka.group,
    MONGODB_URI: config.mongo.uri,
    MONGODB_DB: config.mongo.db,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

const running = new Set<ChildProcess>();

/** Kills every child a test started and left running (a failed assertion must not hang the suite). */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}
process.once('exit', killChildren);

export function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }));
  });
  return { child, exited, output: () => stdout + stderr };
}

/** Runs `ipstream args` to completion; kills it after timeoutMs so a hang fails the test, not CI. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000) {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const result = await run.exited;
  clearTimeout(timer);
  return result;
}

/** Writes what each run printed to test-artifacts/<folder>/<name>.log (for a failure's post-mortem). */
export function keepOutputs(folder: string, runs: Map<string, CliRun>): void {
  mkdirSync(`test-artifacts/${folder}`, { recursive: true });
  for (const [name, run] of runs) writeFileSync(`test-artifacts/${folder}/${name}.log`, run.output());
}
