import { isUtf8 } from 'node:buffer';
import { BSON } from 'bson';
import { canonicalizeIp } from './ip.ts';
import {
  DEAD_LETTER_KEY_CHARS,
  DEAD_LETTER_MESSAGE_CHARS,
  EVENT_FIELDS_BSON_BYTES,
  MAX_RECORD_DEPTH,
  QUOTED_FIELD_CHARS,
  STORE_MAX_DOCUMENT_BYTES,
} from './store-limits.ts';
import { isTimestampFailure, tryParseTimestamp } from './timestamp/index.ts';
import { type DeadLetter, type DeviceEvent, recordId } from './event.ts';

/** Stable reasons a record becomes a dead letter (timestamp failures carry the parser's TS_* code). */
const DEAD_LETTER_REASONS = {
  EMPTY: 'the record has no value',
  OVERSIZED:
    'the value is larger than the configured maximum, or its stored form (BSON) than the store accepts',
  INVALID_UTF8: 'the value is not valid UTF-8 (stored base64-encoded)',
  NOT_JSON: 'the value is not JSON',
  NOT_OBJECT: 'the value is JSON but not an object',
  TOO_DEEP: 'the value nests objects or arrays deeper than the store accepts',
  MISSING_FIELD: 'a required field is missing',
  INVALID_IP: 'device_ip is not an IPv4 or IPv6 address',
  INVALID_ERROR_CODE: 'error_code is not an integer',
} as const;

export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
}

export interface DecodeLimits {
  maxRecordBytes: number;
  deadLetterValueChars: number;
}

export type Decoded = { ok: true; event: DeviceEvent } | { ok: false; deadLetter: DeadLetter };

const KNOWN_FIELDS = new Set(['timestamp', 'device_ip', 'error_code']);

/** Field names MongoDB and FerretDB store awkwardly or refuse ($-prefixed, dotted, NUL). */
function isUnsafeKey(key: string): boolean {
  return key.startsWith('$') || key.includes('.') || key.includes('\0');
}

/**
 * `as-text`: fields the store cannot hold as they are, kept as JSON text instead: unsafe names, or
 * an array directly in an array, which FerretDB 1.24 refuses ("nested arrays are not supported").
 */
type Shape = 'plain' | 'as-text' | 'too-deep';

/**
 * Walks a parsed record once, with an explicit stack: a record under MAX_RECORD_BYTES can nest
 * tens of thousands of levels, which overflows the call stack of any recursive walk (and of
 * JSON.stringify). Stops at the first level past MAX_RECORD_DEPTH.
 */
function inspectShape(record: Record<string, unknown>): Shape {
  let asText = false;
  const pending: object[] = [record];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const value = pending.pop()!;
    const childDepth = depths.pop()! + 1;
    const isArray = Array.isArray(value);
    for (const key in value) {
      if (!isArray) asText ||= isUnsafeKey(key);
      const child = (value as Record<string, unknown>)[key];
      if (child === null || typeof child !== 'object') continue;
      if (childDepth > MAX_RECORD_DEPTH) return 'too-deep';
      if (isArray) asText ||= Array.isArray(child);
      pending.push(child);
      depths.push(childDepth);
    }
  }
  return asText ? 'as-text' : 'plain';
}

/** The record's fields beyond the known ones; kept as JSON text when the store cannot hold them. */
function extraFields(message: Record<string, unknown>, shape: Shape): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const k in message) {
    if (KNOWN_FIELDS.has(k)) continue;
    (extra ??= {})[k] = message[k];
  }
  // Known fields are scalars by now, so what made the shape `as-text` is in the extra fields.
  if (extra !== undefined && shape === 'as-text') return { json: JSON.stringify(extra) };
  return extra;
}

/**
 * A field as a message quotes it, bounded: a string cut to QUOTED_FIELD_CHARS, a container by its
 * kind and size (never serialised whole), anything else as JSON.
 */
function quote(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > QUOTED_FIELD_CHARS;
    return `${JSON.stringify(value.slice(0, QUOTED_FIELD_CHARS))}${cut ? ` (cut, ${value.length} characters)` : ''}`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value !== null && typeof value === 'object') return `an object of ${Object.keys(value).length} fields`;
  return String(JSON.stringify(value) ?? value);
}

/** A key as a dead letter keeps it: its first DEAD_LETTER_KEY_CHARS characters. */
function keptKey(key: Buffer | null | undefined): string | null {
  if (!key) return null;
  return key
    .subarray(0, DEAD_LETTER_KEY_CHARS * 4)
    .toString('utf8')
    .slice(0, DEAD_LETTER_KEY_CHARS);
}

/**
 * Decodes and validates one Kafka record: a normalised event, or a dead letter with its reason.
 * Never throws: one bad record must not stop its partition.
 */
export function decodeRecord(raw: RawRecord, limits: DecodeLimits): Decoded {
  const value = raw.value ?? Buffer.alloc(0);
  const dead = (reason: string, message: string, text?: string): Decoded => ({
    ok: false,
    deadLetter: {
      id: recordId(raw.topic, raw.partition, raw.offset),
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      reason,
      message: message.slice(0, DEAD_LETTER_MESSAGE_CHARS),
      key: keptKey(raw.key),
      value: (text ?? value.toString('utf8')).slice(0, limits.deadLetterValueChars),
      valueBytes: value.length,
      bytes: value.length,
    },
  });

  if (value.length === 0) return dead('EMPTY', DEAD_LETTER_REASONS.EMPTY);
  if (value.length > limits.maxRecordBytes) {
    return dead('OVERSIZED', `the value has ${value.length} bytes; the maximum is ${limits.maxRecordBytes}`);
  }
  if (!isUtf8(value)) return dead('INVALID_UTF8', DEAD_LETTER_REASONS.INVALID_UTF8, value.toString('base64'));
  const text = value.toString('utf8');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return dead('NOT_JSON', `the value is not JSON: ${(error as Error).message}`, text);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return dead('NOT_OBJECT', DEAD_LETTER_REASONS.NOT_OBJECT, text);
  }
  const fields = message as Record<string, unknown>;
  // Before anything else reads the fields: a walk that cannot overflow the stack, as quoting could.
  const shape = inspectShape(fields);
  if (shape === 'too-deep') {
    return dead('TOO_DEEP', `the value nests deeper than ${MAX_RECORD_DEPTH} levels`, text);
  }
  for (const name of KNOWN_FIELDS) {
    if (fields[name] === undefined) return dead('MISSING_FIELD', `${name} is missing`, text);
  }
  const rawIp = fields.device_ip;
  const ip = typeof rawIp === 'string' ? canonicalizeIp(rawIp) : null;
  if (ip === null)
    return dead('INVALID_IP', `device_ip ${quote(rawIp)} is not an IPv4 or IPv6 address`, text);
  const errorCode = fields.error_code;
  if (typeof errorCode !== 'number' || !Number.isSafeInteger(errorCode)) {
    return dead('INVALID_ERROR_CODE', `error_code ${quote(errorCode)} is not an integer`, text);
  }
  const ts = tryParseTimestamp(fields.timestamp);
  if (isTimestampFailure(ts)) return dead(ts.code, `timestamp: ${ts.message}`, text);

  const event: DeviceEvent = {
    id: recordId(raw.topic, raw.partition, raw.offset),
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    ts: ts.epochMs,
    ip,
    errorCode,
    bytes: value.length,
  };
  const extra = extraFields(fields, shape);
  if (extra !== undefined) {
    // Only records with extra fields can outgrow a document (numbers and small containers take
    // several times their JSON size in BSON), so only they pay for computing the size.
    const storedBytes = BSON.calculateObjectSize(extra) + EVENT_FIELDS_BSON_BYTES;
    if (storedBytes > STORE_MAX_DOCUMENT_BYTES) {
      return dead(
        'OVERSIZED',
        `the stored event would take about ${storedBytes} bytes of BSON; the store's limit is ${STORE_MAX_DOCUMENT_BYTES}`,
        text,
      );
    }
    event.extra = extra;
  }
  return { ok: true, event };
}
