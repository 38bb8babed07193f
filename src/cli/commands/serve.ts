import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../log/logger.ts';
import { startApiServer } from '../api-server.ts';
import { intOption } from '../options.ts';
import { requireServices } from './ingest.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('HTTP API (OpenAPI at /openapi.json, docs at /docs) and dashboard only')
    .option('--port <p>', 'listen port (default: PORT or 8000)', intOption(0, 65535))
    .action(async (flags: { port?: number }) => {
      const config = loadConfig(undefined, flags.port === undefined ? {} : { http: { port: flags.port } });
      await requireServices(config);
      const log = createLogger(config.logLevel, 'api');
      const server = await startApiServer(config, { log });
      process.stdout.write(`dashboard ${server.url}/   docs ${server.url}/docs\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
