import type { Command } from 'commander';
import { registerServicesCommand } from './services.ts';

/** Every subcommand registers itself here; each lives in its own file under src/cli/commands/. */
export function registerCommands(program: Command): void {
  registerServicesCommand(program);
}
