/**
 * A head's series: events and distinct devices of each child bucket (minutes of an hour, hours of
 * a day...), as varints: the length, then the events, then the distinct devices. A binary for the
 * same reason as the top lists (count-vector.ts encodeChunkTops): FerretDB parses arrays slowly.
 */
import { ByteReader, ByteWriter } from './varint.ts';

export interface Series {
  events: number[];
  unique: number[];
}

export function encodeSeries(series: Series): Uint8Array {
  const w = new ByteWriter(series.events.length * 4 + 4).uint(series.events.length);
  for (const n of series.events) w.uint(n);
  for (const n of series.unique) w.uint(n);
  return w.finish();
}

export function decodeSeries(bytes: Uint8Array): Series {
  const r = new ByteReader(bytes);
  const n = r.uint();
  const events = Array.from({ length: n }, () => r.uint());
  const unique = Array.from({ length: n }, () => r.uint());
  return { events, unique };
}
