import type { DeadLetter, DeviceEvent } from '../../src/events/index.ts';

/** What a test decides about the event at an offset; the rest follows from its coordinates. */
export type EventShape = Partial<Pick<DeviceEvent, 'ts' | 'ip' | 'errorCode' | 'bytes'>>;

/** A decoded event of topic `t` at `partition`/`offset`, as the decoder would hand it over. */
export function eventAt(partition: number, offset: number, shape: EventShape = {}): DeviceEvent {
  return {
    id: `t/${partition}/${offset}`,
    topic: 't',
    partition,
    offset,
    ts: shape.ts ?? 0,
    ip: shape.ip ?? '1.1.1.1',
    errorCode: shape.errorCode ?? 0,
    bytes: shape.bytes ?? 60,
  };
}

/** The events at offsets [from, to) of `partition`, each shaped by `shape(offset)`. */
export function eventsAt(
  partition: number,
  from: number,
  to: number,
  shape: (offset: number) => EventShape,
): DeviceEvent[] {
  return Array.from({ length: to - from }, (_, i) => eventAt(partition, from + i, shape(from + i)));
}

/** The record of topic `t` at `partition`/`offset` as a dead letter (invalid JSON unless `shape` says). */
export function deadLetterAt(partition: number, offset: number, shape: Partial<DeadLetter> = {}): DeadLetter {
  return {
    id: `t/${partition}/${offset}`,
    topic: 't',
    partition,
    offset,
    reason: 'INVALID_JSON',
    message: 'not JSON',
    key: null,
    value: '{',
    valueBytes: 1,
    bytes: 1,
    ...shape,
  };
}
