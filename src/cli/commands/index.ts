import type { Command } from 'commander';
import { registerIngestCommand } from './ingest.ts';
import { registerProduceCommand } from './produce.ts';
import { registerServicesCommand } from './services.ts';
import { registerTopicCommand } from './topic.ts';

/** Every subcommand registers itself here; each lives in its own file under src/cli/commands/. */
export function registerCommands(program: Command): void {
  registerServicesCommand(program);
  registerTopicCommand(program);
  registerProduceCommand(program);
  registerIngestCommand(program);
}
