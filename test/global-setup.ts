import { loadConfig } from '../src/config/config.ts';
import { servicesDown, servicesStatus, servicesUp } from '../src/services/services.ts';
import { ensureChromium } from './support/chromium.ts';

// The integration suite runs against real services: the same `services up` users run, which reuses
// running ones and otherwise starts local Kafka and FerretDB. Tests never skip for want of them.
let startedHere = false;

export async function globalSetup(): Promise<void> {
  ensureChromium((m) => process.stderr.write(`[chromium] ${m}\n`));
  const config = loadConfig();
  const before = await servicesStatus(config);
  await servicesUp(config, { onStep: (m) => process.stderr.write(`[services] ${m}\n`), timeoutMs: 180_000 });
  startedHere = before.some((s) => !s.healthy);
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && process.env.IPSTREAM_KEEP_SERVICES !== '1') await servicesDown(loadConfig());
}
