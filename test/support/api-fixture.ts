import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import type { Config } from '../../src/config/index.ts';
import { storedEvents as eachStoredEvent } from '../../src/store/index.ts';
import { envFor, runCli } from './cli.ts';

/** Sends `lines` (record values, one per line) through `ipstream produce --file`. */
export async function produceLines(config: Config, lines: string[]): Promise<void> {
  const file = join(tmpdir(), `${config.kafka.topic}-${Date.now()}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const run = await runCli(['produce', '--file', file], envFor(config));
  assert.equal(run.code, 0, run.stderr);
}

/** `ipstream produce --count N --devices D --seed S`: synthetic events in 2024-09-18T14:00Z..15:00Z. */
export async function produceSynthetic(config: Config, count: number, devices: number, seed: number) {
  const run = await runCli(
    ['produce', '--count', String(count), '--devices', String(devices), '--seed', String(seed)],
    envFor(config),
  );
  assert.equal(run.code, 0, run.stderr);
}

/** `ipstream ingest --until-idle 2`: returns once everything produced is stored and committed. */
export async function ingestUntilIdle(config: Config): Promise<void> {
  const run = await runCli(['ingest', '--workers', '2', '--until-idle', '2'], envFor(config), 180_000);
  assert.equal(run.code, 0, run.stderr);
}

export interface StoredEvent {
  ts: number;
  ip: string;
}

/** Every stored event, for brute-force answers computed in the test. */
export async function storedEvents(db: Db): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const e of eachStoredEvent(db)) events.push({ ts: e.ts.getTime(), ip: e.ip });
  return events;
}

/** Events and distinct addresses in [from, to), counted by hand. */
export function bruteForce(events: readonly StoredEvent[], from = -Infinity, to = Infinity) {
  const inRange = events.filter((e) => e.ts >= from && e.ts < to);
  const perIp = new Map<string, number>();
  for (const e of inRange) perIp.set(e.ip, (perIp.get(e.ip) ?? 0) + 1);
  return { events: inRange.length, uniqueIps: perIp.size, perIp };
}
