/**
 * The details of up to 256 devices (a `device_stats` document) in one binary value: per device its
 * slot, address, events, first and last event time, and events per error code, as varints. A
 * document of nested BSON objects costs FerretDB a conversion per field (measured: 40 KB documents
 * of 256 nested devices read and written at about 14 ms each); this is one field of ~30 bytes per
 * device.
 */
import { ByteReader, ByteWriter } from '../sketch/index.ts';

export interface DeviceDetails {
  ip: string;
  events: number;
  /** Epoch ms of its earliest and latest event. */
  first: number;
  last: number;
  /** Events per error code. */
  codes: Map<number, number>;
}

export function encodeDeviceDetails(slots: ReadonlyMap<number, DeviceDetails>): Uint8Array {
  const w = new ByteWriter(slots.size * 32 + 8).uint(slots.size);
  for (const [slot, d] of [...slots].sort((a, b) => a[0] - b[0])) {
    w.uint(slot)
      .string(d.ip)
      .uint(d.events)
      .int(d.first)
      .int(d.last - d.first)
      .uint(d.codes.size);
    for (const [code, n] of [...d.codes].sort((a, b) => a[0] - b[0])) w.int(code).uint(n);
  }
  return w.finish();
}

export function decodeDeviceDetails(bytes: Uint8Array): Map<number, DeviceDetails> {
  const r = new ByteReader(bytes);
  const slots = new Map<number, DeviceDetails>();
  for (let i = r.uint(); i > 0; i--) {
    const slot = r.uint();
    const ip = r.string();
    const events = r.uint();
    const first = r.int();
    const last = first + r.int();
    const codes = new Map<number, number>();
    for (let c = r.uint(); c > 0; c--) codes.set(r.int(), r.uint());
    slots.set(slot, { ip, events, first, last, codes });
  }
  return slots;
}
