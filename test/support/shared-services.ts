import { loadConfig } from '../../src/config/index.ts';
import { servicesDown, servicesStatus, servicesUp } from '../../src/local-services/index.ts';

// Tests run against real services: the same `services up` users run, which reuses running ones and
// otherwise starts local Kafka and FerretDB. Tests never skip for want of them. Only what was
// started here is stopped at the end (IPSTREAM_KEEP_SERVICES=1 keeps it for the next run).
let startedHere = false;

export async function sharedServicesUp(): Promise<void> {
  const config = loadConfig();
  const before = await servicesStatus(config);
  await servicesUp(config, { onStep: (m) => process.stderr.write(`[services] ${m}\n`), timeoutMs: 180_000 });
  startedHere = before.some((s) => !s.healthy);
}

export async function sharedServicesDown(): Promise<void> {
  if (startedHere && process.env.IPSTREAM_KEEP_SERVICES !== '1') await servicesDown(loadConfig());
}
