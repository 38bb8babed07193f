import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Bad flags of ingest, produce and topic are refused before anything connects: a non-zero exit and
// one line naming the flag and what it expects (no services are needed to see that).

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

const CASES: { args: string[]; status: number; says: RegExp }[] = [
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
  {
    args: ['produce', '--count', '10', '--failed-out', 'unacked.jsonl'],
    status: 1,
    says: /--failed-out needs --file/,
  },
];

test('bad ingest, produce and topic flags exit non-zero with one line saying why', () => {
  for (const { args, status, says } of CASES) {
    const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.match(lines[0]!, says);
  }
});
