import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Bad benchmark flags are refused before anything runs (no services are needed to see that):
// exit 2 and one line naming the flag and what it expects.

const BIN = fileURLToPath(new URL('../../bin/ipstream.js', import.meta.url));

const CASES: { args: string[]; says: RegExp }[] = [
  { args: ['bench', 'api', '--events', '10'], says: /--events .*expected 1000\.\.100000000, got 10/ },
  { args: ['bench', 'api', '--concurrency', 'x'], says: /--concurrency .*expected an integer, got "x"/ },
  { args: ['bench', 'api', '--seconds', '0'], says: /--seconds .*expected 0\.5\.\.600, got 0/ },
  { args: ['bench', 'pipeline', '--workers', '0'], says: /--workers .*expected 1\.\.64, got 0/ },
  { args: ['bench', 'pipeline', '--batch', 'fast'], says: /--batch .*expected "adaptive" or a record count/ },
  { args: ['bench', 'grid', '--events', 'abc'], says: /--events .*expected an integer, got "abc"/ },
  { args: ['bench', 'pipeline', '--stored', '0,-5'], says: /--stored .*expected 0\.\.10000000, got -5/ },
  { args: ['bench', 'pipeline', '--stored', '0,,1'], says: /--stored .*expected a comma-separated list/ },
  {
    args: ['bench', 'pipeline', '--timestamps', 'yesterday'],
    says: /--timestamps .*expected one of backfill, live, got "yesterday"/,
  },
  {
    args: ['bench', 'pipeline', '--layout', 'documents,rows'],
    says: /--layout .*expected documents or buckets, got "rows"/,
  },
  { args: ['bench', 'grid', '--devices', '0'], says: /--devices .*expected 1\.\.10000000, got 0/ },
  { args: ['bench', 'timestamps', '--seconds', '-1'], says: /--seconds .*expected 1\.\.600, got -1/ },
  { args: ['bench', 'point-ops', '--sizes', '1000,0'], says: /--sizes .*expected 1\.\.10000000, got 0/ },
  { args: ['bench', 'point-ops', '--sizes', '1000,'], says: /--sizes .*expected a comma-separated list/ },
  { args: ['bench', 'point-ops', '--ops', '5'], says: /--ops .*expected 10\.\.100000, got 5/ },
  { args: ['bench', 'peers', '--events', 'many'], says: /--events .*expected an integer, got "many"/ },
  { args: ['bench', 'soak', '--rate', '0'], says: /--rate .*expected 1\.\.1000000, got 0/ },
  {
    args: ['bench', 'soak', '--layout', 'rows'],
    says: /--layout .*expected documents or buckets, got "rows"/,
  },
  {
    args: ['bench', 'soak', '--minutes', '5', '--settle-minutes', '5'],
    says: /--settle-minutes 5 leaves nothing to judge of --minutes 5/,
  },
];

/** Runs at once: each run is mostly module loading, so two cores take a few side by side. */
const AT_ONCE = 3;

function runBin(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

test('bad bench flags exit 2 with one line saying why', async () => {
  const queue = [...CASES];
  const lane = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { args, says } = next;
      const run = await runBin(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '', args.join(' '));
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(lines[0]!, says);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, lane));
});
