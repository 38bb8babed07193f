import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ServiceError } from '../errors/index.ts';

const run = promisify(execFile);

/** Fails with one actionable line when a build tool the local services need is missing. */
export async function requireTool(command: string, args: string[], why: string): Promise<void> {
  try {
    await run(command, args, { timeout: 30_000 });
  } catch {
    throw new ServiceError(
      'TOOL_MISSING',
      `${command} is required ${why}: install it, or run Kafka and MongoDB with docker compose and set KAFKA_BROKERS / MONGODB_URI`,
    );
  }
}

/** Runs a build step, streaming nothing; on failure the error carries the tail of its output. */
export async function runStep(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    throw new ServiceError('BUILD_FAILED', `${command} ${args[0] ?? ''} failed: ${tail || e.message}`, {
      cause: error,
    });
  }
}
