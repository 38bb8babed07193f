/**
 * The records every peer reads: the pipeline benchmark's seeded synthetic stream (the seed's mixed
 * timestamp formats, device addresses in several spellings), each value tagged with `seq`, its
 * index in the stream, so that every stored document can be traced back to the record it came from
 * (accounting.ts). And what a correct count/addresses answers for them.
 */
import { canonicalizeIp } from '../../src/events/index.ts';
import type { OutgoingRecord } from '../../src/kafka/index.ts';
import { syntheticRecords } from '../../src/producer/index.ts';
import type { BenchStream } from '../pipeline/index.ts';
import { withSeq } from './accounting.ts';

export function* peerRecords(stream: BenchStream): Generator<OutgoingRecord> {
  let seq = 0;
  for (const record of syntheticRecords(stream)) {
    yield { key: record.key, value: withSeq(String(record.value), seq++) };
  }
}

export interface StreamTruth {
  events: number;
  /** Distinct devices (canonical addresses): what "unique addresses" means. */
  devices: number;
  /** Distinct `device_ip` strings as sent: what a distinct over the raw values counts. */
  spellings: number;
  /** Bytes the distinct spellings take as BSON strings in an array (the `distinct` reply's bulk). */
  spellingsBsonBytes: number;
}

/** The BSON size of a string as an array element: type byte, key, int32 length, UTF-8, NUL. */
export function bsonArrayStringBytes(value: string, index: number): number {
  return 1 + String(index).length + 1 + 4 + Buffer.byteLength(value, 'utf8') + 1;
}

export function streamTruth(stream: BenchStream): StreamTruth {
  const devices = new Set<string>();
  const spellings = new Set<string>();
  let events = 0;
  for (const record of syntheticRecords(stream)) {
    events++;
    const raw = (JSON.parse(String(record.value)) as { device_ip: string }).device_ip;
    spellings.add(raw);
    devices.add(canonicalizeIp(raw) ?? raw);
  }
  let bytes = 0;
  let i = 0;
  for (const s of spellings) bytes += bsonArrayStringBytes(s, i++);
  return { events, devices: devices.size, spellings: spellings.size, spellingsBsonBytes: bytes };
}
