import { ensureChromium } from './support/chromium.ts';
import { sharedServicesDown, sharedServicesUp } from './support/shared-services.ts';

// `npm test`: the shared services, and Chromium for the dashboard test.
export async function globalSetup(): Promise<void> {
  ensureChromium((m) => process.stderr.write(`[chromium] ${m}\n`));
  await sharedServicesUp();
}

export const globalTeardown = sharedServicesDown;
