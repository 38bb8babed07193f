import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { servicesDown, servicesStatus, servicesUp, type ServiceStatus } from '../../local-services/index.ts';
import { stepReporter } from '../progress.ts';
import { ConfigError } from '../../errors/index.ts';

function printStatus(statuses: ServiceStatus[]): void {
  for (const s of statuses) {
    const owner = s.managedBy === 'ipstream' ? `started by ipstream, pid ${s.pid}` : s.managedBy;
    process.stdout.write(
      `${s.name.padEnd(8)} ${s.address.padEnd(22)} ${(s.healthy ? 'healthy' : 'DOWN').padEnd(8)} ${owner}\n`,
    );
  }
}

export function registerServicesCommand(program: Command): void {
  const services = program
    .command('services')
    .description('local Kafka broker and MongoDB-compatible server (FerretDB) for development and tests');

  services
    .command('up')
    .description('start Kafka and FerretDB unless they already answer; prints their addresses')
    .option('--timeout <seconds>', 'readiness timeout per service', '120')
    .action(async (opts: { timeout: string }) => {
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new ConfigError('--timeout must be a positive number');
      const statuses = await servicesUp(loadConfig(), { onStep: stepReporter(), timeoutMs });
      printStatus(statuses);
    });

  services
    .command('down')
    .description('stop the services that `services up` started (never external ones)')
    .action(async () => {
      const stopped = await servicesDown(loadConfig());
      process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing to stop\n');
    });

  services
    .command('status')
    .description('address and health of both services; exits 1 if one is down')
    .action(async () => {
      const statuses = await servicesStatus(loadConfig());
      printStatus(statuses);
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });
}
