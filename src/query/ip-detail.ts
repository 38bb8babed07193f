/** Everything known about one device, looked up by its canonical address. */
import type { Db } from 'mongodb';
import { ValidationError } from '../errors/errors.ts';
import { canonicalizeIp } from '../events/ip.ts';
import { formatIsoMs } from '../events/timestamp.ts';
import { COLLECTIONS, type DeviceDoc } from '../store/schema.ts';

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
 * address never sent an event. Text that is not an address is a ValidationError (IP_INVALID).
 */
export async function ipDetail(db: Db, ip: string): Promise<IpDetail | null> {
  const canonical = requireIp(ip);
  // The canonical form is made of hex digits, dots and colons only: safe as an _id value.
  const device = await db.collection<DeviceDoc>(COLLECTIONS.devices).findOne({ _id: canonical });
  if (device === null) return null;
  return {
    ip: device._id,
    firstSeen: formatIsoMs(device.firstSeen.getTime()),
    lastSeen: formatIsoMs(device.lastSeen.getTime()),
    events: device.events,
    errorCodes: device.errorCodes,
  };
}
