import type { RawRecord } from './decode.ts';

/** What a stored dead letter keeps of its record (see DeadLetter). */
export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: number;
  reason: string;
  key: string | null;
  value: string;
  valueBytes: number;
}

export type RecoveredRecord = { ok: true; record: RawRecord } | { ok: false; message: string };

/**
 * The Kafka record a dead letter was made from, to decode again, when the dead letter kept all of
 * it: values longer than the kept bound were cut, and only Kafka still has them. Values that were
 * not UTF-8 are kept base64-encoded; a record the store refused is kept as its decoded fields.
 */
export function recoverRecord(d: StoredDeadLetter): RecoveredRecord {
  const value = d.reason === 'INVALID_UTF8' ? Buffer.from(d.value, 'base64') : Buffer.from(d.value, 'utf8');
  if (d.reason !== 'STORE_REJECTED' && value.length !== d.valueBytes) {
    return {
      ok: false,
      message: `the dead letter keeps ${value.length} of the value's ${d.valueBytes} bytes`,
    };
  }
  return {
    ok: true,
    record: {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      key: d.key === null ? null : Buffer.from(d.key, 'utf8'),
      value,
    },
  };
}
