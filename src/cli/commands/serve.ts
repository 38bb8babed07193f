import type { Command } from 'commander';
import { flagDefault, loadConfig, SETTINGS } from '../../config/index.ts';
import { requireServices, runApi, untilStopSignal } from '../../app/index.ts';
import { createLogger } from '../../log/index.ts';
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
