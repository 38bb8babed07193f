/**
 * Records as the store keeps them: an accepted record as an event document, a refused one as a
 * dead letter.
 */
import { type DeadLetter, DEAD_LETTER_MESSAGE_CHARS, type DeviceEvent, recordId } from '../events/index.ts';
import type { DeadLetterDoc, EventDoc } from './schema.ts';

/** The most characters of text a dead letter keeps of a record's decoded fields. */
const DECODED_VALUE_CHARS = 4096;

export function toEventDoc(e: DeviceEvent, ingestedAt: Date): EventDoc {
  const doc: EventDoc = {
    _id: e.id,
    ts: new Date(e.ts),
    ip: e.ip,
    errorCode: e.errorCode,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    ingestedAt,
  };
  if (e.extra !== undefined) doc.extra = e.extra;
  return doc;
}

/** What every stored form of an event keeps of it: an event document, or one event of a bucket. */
export interface StoredFields {
  ts: Date;
  ip: string;
  errorCode: number;
  extra?: Record<string, unknown>;
}

/**
 * A stored event as the decoder would have handed it over, from its coordinates and its stored
 * fields (`bytes` is not stored: the caller gives it).
 */
export function storedDeviceEvent(
  topic: string,
  partition: number,
  offset: number,
  fields: StoredFields,
  bytes: number,
): DeviceEvent {
  const { ts, ip, errorCode, extra } = fields;
  const e: DeviceEvent = {
    id: recordId(topic, partition, offset),
    topic,
    partition,
    offset,
    ts: ts.getTime(),
    ip,
    errorCode,
    bytes,
  };
  if (extra !== undefined) e.extra = extra;
  return e;
}

export function fromEventDoc(doc: EventDoc, bytes: number): DeviceEvent {
  return storedDeviceEvent(doc.topic, doc.partition, doc.offset, doc, bytes);
}

export function toDeadLetterDoc(d: DeadLetter, at: Date): DeadLetterDoc {
  return {
    _id: d.id,
    reason: d.reason,
    message: d.message,
    topic: d.topic,
    partition: d.partition,
    offset: d.offset,
    key: d.key,
    value: d.value,
    valueBytes: d.valueBytes,
    at,
  };
}

/** A dead letter that keeps what the record decoded to (its raw value is gone by the time it is stored). */
function decodedDeadLetter(e: DeviceEvent, reason: string, message: string): DeadLetter {
  return {
    id: e.id,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    reason,
    message: message.slice(0, DEAD_LETTER_MESSAGE_CHARS),
    key: null,
    value: JSON.stringify({
      timestamp: new Date(e.ts).toISOString(),
      device_ip: e.ip,
      error_code: e.errorCode,
      ...e.extra,
    }).slice(0, DECODED_VALUE_CHARS),
    valueBytes: e.bytes,
    bytes: e.bytes,
  };
}

/** An event the store refused to keep: a dead letter in its place, with the server's reason. */
export function refusedEvent(e: DeviceEvent, code: number, message: string): DeadLetter {
  return decodedDeadLetter(e, 'STORE_REJECTED', `the store refused the event (code ${code}): ${message}`);
}

/**
 * A record this delivery decoded as an event, which an earlier delivery had stored as a dead
 * letter (with another MAX_RECORD_BYTES or decoder) and whose dead letter was not stored yet (that
 * delivery stopped in between): it stays a dead letter, and `dead-letters replay` can store it.
 */
export function decidedDeadLetter(e: DeviceEvent): DeadLetter {
  return decodedDeadLetter(
    e,
    'DECIDED_DEAD',
    'an earlier delivery of this record stored it as a dead letter; a record keeps the form it was first stored in (`dead-letters replay` stores it as an event if it decodes now)',
  );
}
