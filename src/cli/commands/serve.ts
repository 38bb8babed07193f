import type { Command } from 'commander';
import { SETTINGS, flagDefault } from '../../config/settings.ts';
import { runApi } from '../../app/api.ts';
import { requireServices } from '../../app/services.ts';
import { untilStopSignal } from '../../app/signals.ts';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../log/logger.ts';
import { intOption } from '../options.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('HTTP API (OpenAPI at /openapi.json, docs at /docs) and dashboard only')
    .option('--port <p>', `listen port (${flagDefault(SETTINGS.http.port)})`, intOption(0, 65535))
    .action(async (flags: { port?: number }) => {
      const config = loadConfig(undefined, flags.port === undefined ? {} : { http: { port: flags.port } });
      await requireServices(config);
      const log = createLogger(config.logLevel, 'api');
      const stop = untilStopSignal();
      const api = await runApi(config, { log });
      process.stdout.write(`dashboard ${api.url}/   docs ${api.url}/docs\n`);
      await stop.signalled;
      await api.stop();
    });
}
