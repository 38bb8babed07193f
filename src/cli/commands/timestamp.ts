import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { isTimestampFailure, tryParseTimestamp } from '../../events/index.ts';

export interface TimestampIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

// Output is batched because one write per line costs more than parsing the line.
const FLUSH_CHARS = 64 * 1024;

/**
 * Normalizes `values`, or stdin lines when there are none. One ISO line per good value on stdout;
 * `line N: CODE: message` on stderr per bad one. Resolves to the exit code: 1 if any value failed.
 */
export async function runTimestampCommand(values: string[], io: TimestampIo): Promise<number> {
  let failed = 0;
  let pending = '';
  // A reader that goes away (`| head`) ends the run quietly; any other write error is rethrown.
  let closed = false;
  let writeError: Error | undefined;
  const onWriteError = (error: NodeJS.ErrnoException): void => {
    closed = true;
    if (error.code !== 'EPIPE') writeError = error;
  };
  io.stdout.on('error', onWriteError);
  const flush = async (): Promise<void> => {
    if (pending === '' || closed) return;
    const chunk = pending;
    pending = '';
    if (!io.stdout.write(chunk)) {
      await once(io.stdout, 'drain').catch((error: NodeJS.ErrnoException) => onWriteError(error));
    }
  };
  const handle = async (value: string, line: number): Promise<void> => {
    const result = tryParseTimestamp(value);
    if (isTimestampFailure(result)) {
      failed++;
      await flush(); // keeps stdout and stderr in input order when both go to a terminal
      io.stderr.write(`line ${line}: ${result.code}: ${result.message}\n`);
      return;
    }
    pending += `${result.iso}\n`;
    if (pending.length >= FLUSH_CHARS) await flush();
  };

  try {
    if (values.length > 0) {
      for (let i = 0; i < values.length && !closed; i++) await handle(values[i] ?? '', i + 1);
    } else {
      if (io.stdin.isTTY) io.stderr.write('reading timestamps from stdin, one per line (Ctrl-D ends)\n');
      let line = 0;
      for await (const text of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
        if (closed) break;
        line++;
        // Blank lines carry no value in a list; they are skipped, not reported.
        if (text.trim() !== '') await handle(text, line);
      }
    }
    await flush();
  } finally {
    io.stdout.off('error', onWriteError);
  }
  if (writeError !== undefined) throw writeError;
  return failed > 0 ? 1 : 0;
}

export function registerTimestampCommand(program: Command): void {
  program
    .command('timestamp')
    .description('normalize timestamps to ISO 8601 UTC (epochs, ISO 8601, RFC 2822, Apache log times)')
    .argument('[value...]', 'timestamps to normalize; without any, one per line is read from stdin')
    .addHelpText(
      'after',
      '\nPrints one YYYY-MM-DDTHH:mm:ss.sssZ line per value. Values that cannot be read are reported on\n' +
        'stderr as "line N: CODE: message" and make the exit code 1.\n\n' +
        'Examples:\n  ipstream timestamp 1726668850124 "Wed, 18 Sep 2024 16:14:10 +0200"\n' +
        '  cut -d, -f1 events.csv | ipstream timestamp',
    )
    .action(async (values: string[]) => {
      const code = await runTimestampCommand(values, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });
      if (code !== 0) process.exitCode = code;
    });
}
