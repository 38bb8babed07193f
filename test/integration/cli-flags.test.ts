import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Bad flags of ingest, up, produce and topic, and settings that cannot fit together, are refused
// before anything connects: a non-zero exit and one line naming the flag or setting and what it
// expects (no services are needed to see that).

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

const CASES: { args: string[]; env?: Record<string, string>; status: number; says: RegExp }[] = [
  { args: ['ingest', '--http-port', 'abc'], status: 2, says: /--http-port .*expected an integer, got "abc"/ },
  {
    args: ['ingest', '--http-port', '70000'],
    status: 2,
    says: /--http-port .*expected 0\.\.65535, got 70000/,
  },
  {
    args: ['topic', 'create', '--partitions', '2', '--replication-factor', '0'],
    status: 2,
    says: /--replication-factor .*expected 1\.\.32, got 0/,
  },
  { args: ['up', '--max-workers', '0'], status: 2, says: /--max-workers .*expected 1\.\.256, got 0/ },
  {
    args: ['ingest'],
    env: { INGEST_MEMORY_MB: '256', INGEST_THREADS: '1' },
    status: 1,
    says: /INGEST_MEMORY_MB=256 cannot hold 2 consumers on 1 thread: .*INGEST_THREADS \(0: the main thread\)/,
  },
  {
    args: ['produce', '--count', '10', '--failed-out', 'unacked.jsonl'],
    status: 1,
    says: /--failed-out needs --file/,
  },
];

test('bad flags and settings exit non-zero with one line saying why', () => {
  for (const { args, env, status, says } of CASES) {
    const run = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...env },
    });
    assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.match(lines[0]!, says);
  }
});
