import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { registerTimestampCommand, runTimestampCommand } from '../../../src/cli/commands/timestamp.ts';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(values: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const out = collect();
  const err = collect();
  const code = await runTimestampCommand(values, {
    stdin: Readable.from([stdinText]),
    stdout: out.stream,
    stderr: err.stream,
  });
  return { code, out: out.text(), err: err.text() };
}

describe('ipstream timestamp', () => {
  it('prints one ISO line per argument', async () => {
    const result = await run(['1726668850124', 'Wed, 18 Sep 2024 16:14:10 +0200']);
    assert.deepEqual(result, {
      code: 0,
      out: '2024-09-18T14:14:10.124Z\n2024-09-18T14:14:10.000Z\n',
      err: '',
    });
  });

  it('reports bad arguments on stderr by position and exits 1', async () => {
    const result = await run(['1726668850124', '2023-02-29', '03/12/2021']);
    assert.equal(result.code, 1);
    assert.equal(result.out, '2024-09-18T14:14:10.124Z\n');
    const lines = result.err.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^line 2: TS_IMPOSSIBLE_DATE: /);
    assert.match(lines[1] ?? '', /^line 3: TS_AMBIGUOUS: /);
  });

  it('reads stdin lines when given no values, skipping blank lines but counting them', async () => {
    const result = await run([], '1726668850\r\n\n2024-09-18 14:14:10\nOct 11 22:14:15\n');
    assert.equal(result.code, 1);
    assert.equal(result.out, '2024-09-18T14:14:10.000Z\n2024-09-18T14:14:10.000Z\n');
    assert.match(result.err, /^line 4: TS_NO_YEAR: .+\n$/);
  });

  it('handles long inputs in order', async () => {
    const input = Array.from({ length: 20_000 }, (_, i) => String(1726668850000 + i)).join('\n');
    const result = await run([], input);
    assert.equal(result.code, 0);
    const lines = result.out.trimEnd().split('\n');
    assert.equal(lines.length, 20_000);
    assert.equal(lines[19_999], '2024-09-18T14:14:29.999Z');
  });

  it('registers as a commander subcommand', () => {
    const program = new Command('ipstream');
    registerTimestampCommand(program);
    const command = program.commands.find((c) => c.name() === 'timestamp');
    assert.ok(command);
    assert.match(command.helpInformation(), /value\.\.\./);
  });
});
