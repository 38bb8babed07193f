/**
 * Reproducible synthetic device events for the demo producer, benchmarks and tests: the same seed
 * always gives the same stream, on any machine.
 *
 * Events use every format the original seed project's devices sent: timestamps rotate through
 * epoch seconds (number and string, with and without a fraction), epoch milliseconds (number and
 * string) and ISO 8601 (with Z, with an offset, without a zone, with a space separator). Device
 * addresses come from a pool of `devices` distinct addresses, about 80% IPv4 and 20% IPv6, plus
 * about 1% IPv4 devices that sometimes send their address as IPv4-mapped IPv6 (`::ffff:1.2.3.4`);
 * an IPv6 device is sometimes spelled non-canonically (upper case, leading zeros, uncompressed), so
 * the stream holds more distinct spellings than devices while canonicalizing to exactly the pool.
 * The Kafka key is the raw spelling, as a device would send it.
 *
 * Producers call next() in tight loops, so events are built with plain string operations and a
 * small PRNG (sfc32, seeded through splitmix32), never Math.random.
 */
import { ConfigError } from '../errors/index.ts';
import { canonicalizeIp } from './ip.ts';

// ---------------------------------------------------------------------------------------------
// PRNG

/** A uniform float in [0, 1) from sfc32; the state is seeded by splitmix32 from `seed`. */
export type Random = () => number;

export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  // Mixing the high part of the seed in keeps seeds above 2^32 distinct.
  s = (s ^ Math.floor(seed / 0x100000000)) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const random = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 0x100000000;
  };
  // The first outputs of a freshly seeded sfc32 are weakly mixed; the reference discards them.
  for (let k = 0; k < 12; k++) random();
  return random;
}

function intBelow(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[intBelow(random, items.length)]!;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`seed must be an integer, got ${String(seed)}`);
}

// ---------------------------------------------------------------------------------------------
// Events

/** One message as devices send it (the Kafka record value, before decoding). */
export interface EventMessage {
  timestamp: string | number;
  device_ip: string;
  error_code: number;
}

/** How the timestamp of a generated event is written; the generator rotates through all. */
export const TIMESTAMP_STYLES = [
  'epoch_s', // 1726668850
  'epoch_s_fraction', // 1726668850.124 (1 to 3 decimals)
  'epoch_s_string', // "1726668850"
  'epoch_s_string_fraction', // "1726668850.124" or "1726668850.124567" (sub-ms digits are cut)
  'epoch_ms', // 1726668850124
  'epoch_ms_string', // "1726668850124"
  'iso_z', // "2024-09-18T14:14:10.124Z" or "2024-09-18T14:14:10Z"
  'iso_offset', // "2024-09-18T16:14:10.124+02:00"
  'iso_no_zone', // "2024-09-18T14:14:10.124" (UTC)
  'iso_space', // "2024-09-18 14:14:10.124000" (Python's str(datetime), UTC)
] as const;

export type TimestampStyle = (typeof TIMESTAMP_STYLES)[number];

export interface GeneratedEvent {
  /** Kafka record key: the raw device_ip spelling. */
  key: string;
  /** Kafka record value: the event as JSON. */
  value: string;
  event: EventMessage;
  /** The instant the timestamp denotes, in whole ms (what the parser must return). */
  epochMs: number;
  /** canonicalizeIp(event.device_ip). */
  canonicalIp: string;
  timestampStyle: TimestampStyle;
}

export interface EventGeneratorOptions {
  seed: number;
  /** How many distinct devices (canonical addresses) the stream draws from. */
  devices: number;
  /** Earliest event time (epoch ms). Default 2024-09-18T14:00:00.000Z, fixed for reproducibility. */
  startMs?: number;
  /** Event times are spread uniformly over [startMs, startMs + spreadMs). Default one hour. */
  spreadMs?: number;
  /**
   * Live mode (the demo producer): each event is stamped within the spreadMs before clock(),
   * instead of from startMs. The stream is then no longer reproducible.
   */
  clock?: () => number;
}

export interface EventGenerator {
  next(): GeneratedEvent;
  /** The canonical address of every device, in pool order. */
  readonly devices: readonly string[];
}

export const DEFAULT_START_MS = Date.UTC(2024, 8, 18, 14, 0, 0, 0);
export const DEFAULT_SPREAD_MS = 3_600_000;
const MAX_DEVICES = 10_000_000;
// Epoch units are told apart by digit count (≤ 11 digits: seconds, 12-14: milliseconds), so an
// epoch_ms value needs 12 digits and an epoch_s value at most 11: events must fall between
// 1973-03-03 and 5138-11-16 for every style to mean what it says.
const MIN_START_MS = 100_000_000_000;
const MAX_END_MS = 100_000_000_000_000;

/** Error codes the devices report, weighted toward success like real traffic. */
const ERROR_CODES: ReadonlyArray<readonly [code: number, weight: number]> = [
  [0, 40],
  [200, 25],
  [201, 3],
  [204, 2],
  [301, 1],
  [302, 2],
  [304, 2],
  [400, 4],
  [401, 3],
  [403, 3],
  [404, 7],
  [408, 1],
  [429, 2],
  [500, 4],
  [502, 2],
  [503, 3],
  [504, 1],
];
const ERROR_CODE_TABLE: readonly number[] = ERROR_CODES.flatMap(([code, weight]) =>
  new Array<number>(weight).fill(code),
);

/** Offsets (minutes) for the ISO-with-offset style. */
const OFFSETS_MIN: readonly number[] = [120, -300, 330, 60, -420, 0, 545, -90];

interface Device {
  canonical: string;
  /** Eight 16-bit groups for IPv6, null for IPv4. */
  groups: readonly number[] | null;
}

function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function randomIpv6Groups(random: Random): number[] {
  const r16 = (): number => intBelow(random, 0x10000);
  const shape = random();
  if (shape < 0.35) return [0x2001, 0xdb8, r16(), r16(), 0, 0, r16(), r16()]; // documentation
  if (shape < 0.55) return [0xfe80, 0, 0, 0, r16(), r16(), r16(), r16()]; // link-local
  if (shape < 0.7) return [0xfd00 | intBelow(random, 256), r16(), r16(), 0, 0, 0, 0, r16() || 1]; // ULA, sparse
  if (shape < 0.85) return [0x2a02, r16(), r16(), r16(), r16(), r16(), r16(), r16()]; // dense global
  if (shape < 0.95) return [0x2001, 0xdb8, 0, r16(), 0, 0, 1, r16()]; // two zero runs
  return [0, 0, 0, 0, 0, 0xffff, r16(), r16()]; // IPv4-mapped: an IPv4 device, spelled as IPv6
}

function createDevices(random: Random, count: number): Device[] {
  const seen = new Set<string>();
  const devices: Device[] = [];
  while (devices.length < count) {
    let device: Device;
    if (random() < 0.8) {
      device = { canonical: ipv4Text(intBelow(random, 0x100000000)), groups: null };
    } else {
      const groups = randomIpv6Groups(random);
      device = { canonical: canonicalizeIp(groups.map((g) => g.toString(16)).join(':'))!, groups };
    }
    // Keyed by canonical text, so an IPv4-mapped draw of an address already in the pool as IPv4
    // (or the other way round) is drawn again: no two entries are one device.
    if (seen.has(device.canonical)) continue;
    seen.add(device.canonical);
    devices.push(device);
  }
  return devices;
}

/** A valid but non-canonical spelling of an IPv6 device. */
function respellIpv6(random: Random, groups: readonly number[]): string {
  const mapped = groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0);
  const style = intBelow(random, 4);
  if (mapped) {
    const v4 = ipv4Text(((groups[6]! << 16) | groups[7]!) >>> 0);
    if (style === 0) return `::FFFF:${v4}`;
    if (style === 1) return `0:0:0:0:0:ffff:${v4}`;
    if (style === 2) return `::ffff:${groups[6]!.toString(16)}:${groups[7]!.toString(16)}`;
    return `0000:0000:0000:0000:0000:FFFF:${v4}`;
  }
  switch (style) {
    case 0: // upper case, compressed as canonical
      return canonicalizeIp(groups.map((g) => g.toString(16)).join(':'))!.toUpperCase();
    case 1: // leading zeros, no compression
      return groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
    case 2: // uncompressed, minimal digits
      return groups.map((g) => g.toString(16)).join(':');
    default: // fully expanded upper case
      return groups.map((g) => g.toString(16).padStart(4, '0').toUpperCase()).join(':');
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DDTHH:mm:ss.sss` of `ms` shifted by `offsetMin` (no zone suffix). */
function localIso(ms: number, offsetMin: number): string {
  return new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
}

function offsetText(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${sign}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
}

/** Writes `ms` in `style`; returns the value and the instant it denotes (in whole ms). */
function formatTimestamp(
  random: Random,
  ms: number,
  style: TimestampStyle,
): { timestamp: string | number; epochMs: number } {
  const seconds = Math.floor(ms / 1000);
  const millis = ms - seconds * 1000;
  switch (style) {
    case 'epoch_s':
      return { timestamp: seconds, epochMs: seconds * 1000 };
    case 'epoch_s_fraction': {
      // 1 to 3 decimals; the double nearest k/10^d prints back as exactly those digits.
      const digits = 1 + intBelow(random, 3);
      const unit = 10 ** (3 - digits);
      let kept = millis - (millis % unit);
      if (kept === 0) kept = unit; // keep a visible fraction
      return { timestamp: (seconds * 1000 + kept) / 1000, epochMs: seconds * 1000 + kept };
    }
    case 'epoch_s_string':
      return { timestamp: String(seconds), epochMs: seconds * 1000 };
    case 'epoch_s_string_fraction': {
      const micro = random() < 0.5 ? '' : pad(intBelow(random, 1000), 3);
      return { timestamp: `${seconds}.${pad(millis, 3)}${micro}`, epochMs: ms };
    }
    case 'epoch_ms':
      return { timestamp: ms, epochMs: ms };
    case 'epoch_ms_string':
      return { timestamp: String(ms), epochMs: ms };
    case 'iso_z':
      if (random() < 0.3) {
        return { timestamp: `${localIso(ms, 0).slice(0, 19)}Z`, epochMs: seconds * 1000 };
      }
      return { timestamp: `${localIso(ms, 0)}Z`, epochMs: ms };
    case 'iso_offset': {
      const offset = pick(random, OFFSETS_MIN);
      return { timestamp: localIso(ms, offset) + offsetText(offset), epochMs: ms };
    }
    case 'iso_no_zone':
      return { timestamp: localIso(ms, 0), epochMs: ms };
    case 'iso_space':
      return { timestamp: `${localIso(ms, 0).replace('T', ' ')}000`, epochMs: ms };
  }
}

export function createEventGenerator(options: EventGeneratorOptions): EventGenerator {
  const { seed, devices: deviceCount } = options;
  checkSeed(seed);
  if (!Number.isSafeInteger(deviceCount) || deviceCount < 1 || deviceCount > MAX_DEVICES) {
    throw new ConfigError(`devices must be an integer from 1 to ${MAX_DEVICES}, got ${String(deviceCount)}`);
  }
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const spreadMs = options.spreadMs ?? DEFAULT_SPREAD_MS;
  if (!Number.isSafeInteger(startMs) || startMs < MIN_START_MS) {
    throw new ConfigError(
      `startMs must be an integer epoch in ms from ${MIN_START_MS} (1973), got ${String(startMs)}`,
    );
  }
  if (!Number.isSafeInteger(spreadMs) || spreadMs < 1 || startMs + spreadMs > MAX_END_MS) {
    throw new ConfigError(
      `spreadMs must be a positive integer and events must end before ${MAX_END_MS} ms (year 5138), got ${String(spreadMs)}`,
    );
  }

  const random = createRandom(seed);
  const pool = createDevices(random, deviceCount);
  const canonicals = Object.freeze(pool.map((d) => d.canonical));
  let n = 0;

  return {
    devices: canonicals,
    next(): GeneratedEvent {
      // Half the traffic is uniform (every device shows up), half comes from a few chatty ones.
      const u = random();
      const index = u < 0.5 ? intBelow(random, deviceCount) : Math.floor(deviceCount * random() ** 3);
      const device = pool[index]!;
      const deviceIp =
        device.groups !== null && random() < 0.4 ? respellIpv6(random, device.groups) : device.canonical;
      const style = TIMESTAMP_STYLES[n % TIMESTAMP_STYLES.length]!;
      n++;
      const base = options.clock === undefined ? startMs : options.clock() - spreadMs;
      const { timestamp, epochMs } = formatTimestamp(random, base + intBelow(random, spreadMs), style);
      const event: EventMessage = {
        timestamp,
        device_ip: deviceIp,
        error_code: pick(random, ERROR_CODE_TABLE),
      };
      return {
        key: deviceIp,
        value: JSON.stringify(event),
        event,
        epochMs,
        canonicalIp: device.canonical,
        timestampStyle: style,
      };
    },
  };
}
