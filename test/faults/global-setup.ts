import { loadConfig } from '../../src/config/config.ts';
import { servicesDown, servicesStatus, servicesUp } from '../../src/services/services.ts';

// `npm run test:faults` needs the shared services (the faults that stop a server start private
// ones themselves): reuse running ones, start local ones otherwise, and stop only what was started
// here. Like test/global-setup.ts, without the browser the fault tests do not use.
let startedHere = false;

export async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const before = await servicesStatus(config);
  await servicesUp(config, { onStep: (m) => process.stderr.write(`[services] ${m}\n`), timeoutMs: 180_000 });
  startedHere = before.some((s) => !s.healthy);
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && process.env.IPSTREAM_KEEP_SERVICES !== '1') await servicesDown(loadConfig());
}
