import { createEventGenerator } from '../events/index.ts';
import type { OutgoingRecord } from '../kafka/index.ts';

/**
 * An endless stream of synthetic events stamped within the last second, for `up --demo`: one device
 * pool throughout, so the unique count settles while events keep coming.
 */
export function* demoRecords(options: {
  devices: number;
  seed: number;
  isStopped: () => boolean;
}): Generator<OutgoingRecord> {
  const generator = createEventGenerator({
    seed: options.seed,
    devices: options.devices,
    spreadMs: 1000,
    clock: Date.now,
  });
  while (!options.isStopped()) {
    const { key, value } = generator.next();
    yield { key, value };
  }
}
