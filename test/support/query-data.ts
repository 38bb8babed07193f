import type { Db } from 'mongodb';
import { createRandom, type DeviceEvent } from '../../src/events/index.ts';
import type { TimeRange } from '../../src/query/range.ts';
import {
  COLLECTIONS,
  detectStoreProfile,
  type DeviceDoc,
  ensureSchema,
  EventStore,
} from '../../src/store/index.ts';
import { eventAt } from './events.ts';

// Events stored the way ingest stores them, for the query tests to check each answer against a
// count of the events themselves: three hours and a bit across a day boundary, from 300 devices with
// skewed traffic (a few busy ones, many equal counts further down), on three partitions, with
// hundreds of error codes.

/** The first event; the last is about three hours and a quarter later. */
export const FIRST_EVENT_MS = Date.parse('2024-09-18T22:31:17.250Z');
const SPAN_MS = 3.25 * 3_600_000;
const EVENTS = 3_000;
const DEVICES = 300;
const PARTITIONS = 3;
const BATCH = 400;

export interface StoredQueryData {
  events: DeviceEvent[];
  /** Each address's dense id, which orders equal counts. */
  deviceIds: Map<string, number>;
}

/**
 * An error code: hundreds of them, skewed toward a few, some negative and one past 2^32 (codes are
 * any integers), and each device raising several.
 */
function errorCode(random: () => number): number {
  const r = random();
  const pick = Math.floor(r * r * r * 320);
  if (pick === 319) return 2 ** 40 + 7;
  return pick % 11 === 10 ? -pick : 100 + pick;
}

function queryEvents(): DeviceEvent[] {
  const random = createRandom(26);
  const codes = createRandom(27);
  const offsets = new Array<number>(PARTITIONS).fill(0);
  return Array.from({ length: EVENTS }, (_, i) => {
    const r = random();
    const device = Math.floor(r * r * DEVICES);
    const partition = i % PARTITIONS;
    return eventAt(partition, offsets[partition]!++, {
      ts: FIRST_EVENT_MS + Math.floor((i * SPAN_MS) / EVENTS),
      ip: device % 5 === 4 ? `2001:db8::${device.toString(16)}` : `10.0.${device >> 8}.${device & 0xff}`,
      errorCode: errorCode(codes),
    });
  });
}

/** Stores the events through EventStore in flush-sized batches; returns them and the device ids. */
export async function storeQueryData(db: Db): Promise<StoredQueryData> {
  await ensureSchema(db);
  const store = new EventStore(db, { profile: await detectStoreProfile(db) });
  const events = queryEvents();
  try {
    for (let i = 0; i < events.length; i += BATCH) {
      await store.write({ events: events.slice(i, i + BATCH), deadLetters: [] });
    }
  } finally {
    store.close();
  }
  const devices = await db.collection<DeviceDoc>(COLLECTIONS.devices).find().toArray();
  return { events, deviceIds: new Map(devices.map((d) => [d._id, d.n])) };
}

/** The events a range holds: from inclusive, to exclusive, either end open. */
export function eventsIn(events: readonly DeviceEvent[], range: TimeRange): DeviceEvent[] {
  return events.filter(
    (e) => (range.from === null || e.ts >= range.from) && (range.to === null || e.ts < range.to),
  );
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const MIDNIGHT = Date.parse('2024-09-19T00:00:00Z');

/** Ranges of every shape a tiling meets: open ends, millisecond edges, one minute, none at all. */
export const QUERY_RANGES: readonly TimeRange[] = [
  { from: null, to: null },
  { from: FIRST_EVENT_MS - HOUR, to: FIRST_EVENT_MS + 4 * HOUR },
  { from: FIRST_EVENT_MS + 12_345, to: FIRST_EVENT_MS + 2 * HOUR + 54_321 },
  { from: FIRST_EVENT_MS + 1.5 * HOUR + 999, to: null },
  { from: null, to: FIRST_EVENT_MS + 45 * MINUTE + 1 },
  { from: MIDNIGHT - 10 * MINUTE, to: MIDNIGHT + 70 * MINUTE },
  { from: MIDNIGHT, to: MIDNIGHT + HOUR },
  { from: FIRST_EVENT_MS + 30 * MINUTE + 100, to: FIRST_EVENT_MS + 30 * MINUTE + 40_000 },
  { from: FIRST_EVENT_MS - 2 * HOUR, to: FIRST_EVENT_MS - HOUR },
  { from: FIRST_EVENT_MS + 5 * HOUR, to: null },
];
