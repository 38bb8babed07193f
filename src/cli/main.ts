import { Command, CommanderError } from 'commander';
import { describeError } from '../errors/index.ts';
import { registerCommands } from './commands/index.ts';

const program = new Command('ipstream')
  .description('Device events from Apache Kafka into MongoDB, with an HTTP analytics API')
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.trimEnd().split('\n')[0] + '\n') });

try {
  await registerCommands(program, process.argv);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; usage errors were already printed as one line by commander.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`ipstream: ${describeError(error)}\n`);
    process.exitCode = 1;
  }
}
