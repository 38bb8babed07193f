import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createEventGenerator } from '../events/index.ts';
import type { OutgoingRecord } from '../kafka/index.ts';

/** `count` synthetic events in the seed's mixed formats, keyed by their device_ip as sent. */
export function* syntheticRecords(options: {
  count: number;
  devices: number;
  seed: number;
}): Generator<OutgoingRecord> {
  const generator = createEventGenerator({ seed: options.seed, devices: options.devices });
  for (let i = 0; i < options.count; i++) {
    const { key, value } = generator.next();
    yield { key, value };
  }
}

/** The key a line gets: its device_ip string when the line is a JSON object with one, else none. */
function keyOfLine(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const ip = (parsed as Record<string, unknown>).device_ip;
      if (typeof ip === 'string') return ip;
    }
  } catch {
    // Not JSON: sent as is and unkeyed; ingest turns it into a dead letter with its reason.
  }
  return undefined;
}

/** One record per line of a JSON Lines file, value = the line exactly as written. */
export async function* fileRecords(path: string): AsyncGenerator<OutgoingRecord> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) yield { key: keyOfLine(line), value: line };
}
