/** Everything known about one device, looked up by its canonical address. */
import type { Db } from 'mongodb';
import { ValidationError } from '../errors/index.ts';
import { canonicalizeIp, formatIsoMs } from '../events/index.ts';
import {
  COLLECTIONS,
  decodeDeviceDetails,
  DEVICE_CHUNK_BITS,
  deviceChunkId,
  type DeviceDoc,
  type DeviceStatsDoc,
} from '../store/index.ts';
import { QueryReader } from './reader.ts';

export interface IpDetail {
  ip: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  /** Events per error code. */
  errorCodes: Record<string, number>;
}

/** The canonical form of `text`, or a ValidationError (IP_INVALID) when it is not an address. */
export function requireIp(text: string): string {
  const canonical = canonicalizeIp(text);
  if (canonical === null) {
    throw new ValidationError(
      'IP_INVALID',
      `${JSON.stringify(text.slice(0, 64))} is not an IPv4 or IPv6 address`,
    );
  }
  return canonical;
}

/**
 * Any spelling of an address finds its device (`2001:DB8::1` finds `2001:db8::1`); null when the
 * address never sent an event. Text that is not an address is a ValidationError (IP_INVALID). Two
 * reads by _id: the device's id, then the document of details that holds it.
 */
export async function ipDetail(db: Db, ip: string): Promise<IpDetail | null> {
  const canonical = requireIp(ip);
  const reader = await QueryReader.open(db);
  // The canonical form is made of hex digits, dots and colons only: safe as an _id value.
  const device = (await reader.byIds<DeviceDoc>(COLLECTIONS.devices, [canonical], 'the device')).get(
    canonical,
  );
  if (device === null || device === undefined) return null;
  const chunk = deviceChunkId(device.n);
  const stats = (await reader.byIds<DeviceStatsDoc>(COLLECTIONS.deviceStats, [chunk], 'the device')).get(
    chunk,
  );
  const detail =
    stats === null || stats === undefined
      ? undefined
      : decodeDeviceDetails(stats.slots.buffer).get(device.n & ((1 << DEVICE_CHUNK_BITS) - 1));
  // Registered, but its first batch's details not written yet (a moment in a live stream).
  if (detail === undefined) return null;
  return {
    ip: canonical,
    firstSeen: formatIsoMs(detail.first),
    lastSeen: formatIsoMs(detail.last),
    events: detail.events,
    errorCodes: Object.fromEntries([...detail.codes].map(([code, n]) => [String(code), n])),
  };
}
