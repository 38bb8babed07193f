import type { Command } from 'commander';
import { registerBenchCommand } from './bench.ts';
import { registerDeadLettersCommand } from './dead-letters.ts';
import { registerIngestCommand } from './ingest.ts';
import { registerProduceCommand } from './produce.ts';
import { registerServicesCommand } from './services.ts';
import { registerServeCommand } from './serve.ts';
import { registerTimestampCommand } from './timestamp.ts';
import { registerUpCommand } from './up.ts';
import { registerTopicCommand } from './topic.ts';

/** Every subcommand registers itself here; each lives in its own file under src/cli/commands/. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  registerUpCommand(program);
  registerServicesCommand(program);
  registerTopicCommand(program);
  registerProduceCommand(program);
  registerIngestCommand(program);
  registerServeCommand(program);
  registerDeadLettersCommand(program);
  registerTimestampCommand(program);
  await registerBenchCommand(program, argv);
}
