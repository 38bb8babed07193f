import type { Command } from 'commander';
import { ConfigError, describeError } from '../../errors/index.ts';

/**
 * `ipstream bench` runs the benchmarks in the top-level bench/ folder, which is not part of the
 * product: they load only when asked for, so a production install (`npm ci --omit=dev`, without
 * the benchmarks' development dependencies) runs every other command.
 */
export async function registerBenchCommand(program: Command, argv: readonly string[]): Promise<void> {
  if (argv[2] !== 'bench') {
    program.command('bench').description('benchmarks (a development install): `ipstream bench --help`');
    return;
  }
  let registerBenchSuites: (program: Command) => void;
  try {
    ({ registerBenchCommand: registerBenchSuites } = await import('../../../bench/cli.ts'));
  } catch (error) {
    throw new ConfigError(
      `the benchmarks need a development install (npm install): ${describeError(error)}`,
      { cause: error },
    );
  }
  registerBenchSuites(program);
}
