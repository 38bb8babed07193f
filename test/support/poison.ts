import { randomBytes } from 'node:crypto';

// Malformed records for the poison-storm fault test: each kind with the dead-letter reason ingest
// must give it. Values are written by hand (not through decodeRecord), so the test checks the
// decoder against an independent list.

export interface PoisonKind {
  name: string;
  reason: string;
  value: () => Buffer;
  /** Relative share of the storm (oversized values are few: they are large). */
  weight: number;
}

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const ok = { timestamp: 1726668850124, device_ip: '10.0.0.1', error_code: 500 };

export const POISON_KINDS: PoisonKind[] = [
  { name: 'empty', reason: 'EMPTY', value: () => Buffer.alloc(0), weight: 4 },
  {
    name: 'oversized-json',
    reason: 'OVERSIZED',
    value: () => json({ ...ok, pad: 'x'.repeat(70_000) }),
    weight: 1,
  },
  { name: 'oversized-binary', reason: 'OVERSIZED', value: () => randomBytes(200_000), weight: 1 },
  {
    name: 'invalid-utf8',
    reason: 'INVALID_UTF8',
    value: () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    weight: 4,
  },
  {
    name: 'truncated-utf8',
    reason: 'INVALID_UTF8',
    value: () => Buffer.concat([Buffer.from('{"device_ip":"'), Buffer.from([0xe2, 0x82])]),
    weight: 4,
  },
  { name: 'overlong-utf8', reason: 'INVALID_UTF8', value: () => Buffer.from([0xc0, 0xaf]), weight: 4 },
  { name: 'not-json', reason: 'NOT_JSON', value: () => Buffer.from('device 10.0.0.1 failed'), weight: 4 },
  {
    name: 'truncated-json',
    reason: 'NOT_JSON',
    value: () => Buffer.from('{"timestamp":1726668850,'),
    weight: 4,
  },
  { name: 'single-quotes', reason: 'NOT_JSON', value: () => Buffer.from("{'timestamp': 1}"), weight: 4 },
  {
    name: 'bom-json',
    reason: 'NOT_JSON',
    value: () => Buffer.from(`\uFEFF${JSON.stringify(ok)}`),
    weight: 4,
  },
  { name: 'array', reason: 'NOT_OBJECT', value: () => json([ok]), weight: 4 },
  { name: 'null', reason: 'NOT_OBJECT', value: () => Buffer.from('null'), weight: 4 },
  { name: 'number', reason: 'NOT_OBJECT', value: () => Buffer.from('1726668850124'), weight: 4 },
  {
    name: 'no-timestamp',
    reason: 'MISSING_FIELD',
    value: () => json({ ...ok, timestamp: undefined }),
    weight: 4,
  },
  {
    name: 'no-device',
    reason: 'MISSING_FIELD',
    value: () => json({ ...ok, device_ip: undefined }),
    weight: 4,
  },
  {
    name: 'no-code',
    reason: 'MISSING_FIELD',
    value: () => json({ ...ok, error_code: undefined }),
    weight: 4,
  },
  { name: 'ip-null', reason: 'INVALID_IP', value: () => json({ ...ok, device_ip: null }), weight: 4 },
  {
    name: 'ip-octet',
    reason: 'INVALID_IP',
    value: () => json({ ...ok, device_ip: '10.0.0.256' }),
    weight: 4,
  },
  { name: 'ip-v6', reason: 'INVALID_IP', value: () => json({ ...ok, device_ip: 'fe80::1::2' }), weight: 4 },
  { name: 'ip-number', reason: 'INVALID_IP', value: () => json({ ...ok, device_ip: 167772161 }), weight: 4 },
  {
    name: 'code-string',
    reason: 'INVALID_ERROR_CODE',
    value: () => json({ ...ok, error_code: '500' }),
    weight: 4,
  },
  {
    name: 'code-fraction',
    reason: 'INVALID_ERROR_CODE',
    value: () => json({ ...ok, error_code: 1.5 }),
    weight: 4,
  },
  {
    name: 'code-huge',
    reason: 'INVALID_ERROR_CODE',
    value: () => Buffer.from('{"timestamp":1726668850124,"device_ip":"10.0.0.1","error_code":1e300}'),
    weight: 4,
  },
  {
    name: 'code-null',
    reason: 'INVALID_ERROR_CODE',
    value: () => json({ ...ok, error_code: null }),
    weight: 4,
  },
  {
    name: 'ts-impossible',
    reason: 'TS_IMPOSSIBLE_DATE',
    value: () => json({ ...ok, timestamp: '2023-02-29T00:00:00Z' }),
    weight: 4,
  },
  {
    name: 'ts-no-year',
    reason: 'TS_NO_YEAR',
    value: () => json({ ...ok, timestamp: 'Oct 11 22:14:15' }),
    weight: 4,
  },
  {
    name: 'ts-word',
    reason: 'TS_UNRECOGNIZED',
    value: () => json({ ...ok, timestamp: 'yesterday' }),
    weight: 4,
  },
  { name: 'ts-bool', reason: 'TS_TYPE', value: () => json({ ...ok, timestamp: true }), weight: 4 },
  { name: 'ts-object', reason: 'TS_TYPE', value: () => json({ ...ok, timestamp: { s: 1 } }), weight: 4 },
  {
    name: 'ts-huge',
    reason: 'TS_NOT_FINITE',
    value: () => Buffer.from('{"timestamp":1e400,"device_ip":"10.0.0.1","error_code":1}'),
    weight: 4,
  },
];

/** `count` poison records, kinds in proportion to their weights, each keyed by its kind. */
export function poisonRecords(count: number): { key: string; value: Buffer; kind: PoisonKind }[] {
  const cycle = POISON_KINDS.flatMap((k) => Array.from({ length: k.weight }, () => k));
  return Array.from({ length: count }, (_, i) => {
    const kind = cycle[i % cycle.length]!;
    return { key: `poison/${kind.name}/${i}`, value: kind.value(), kind };
  });
}
