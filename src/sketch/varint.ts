/**
 * Unsigned LEB128 varints: 7 bits per byte, low groups first, high bit set on every byte but the
 * last. Rollup documents store sorted id lists as varint deltas and counts as varints, which packs
 * the dense device ids ipstream assigns into one or two bytes each.
 */
import { IpstreamError } from '../errors/index.ts';

const MAX_SAFE_BYTES = 8; // 7 * 8 = 56 bits > 2^53

export class ByteWriter {
  #bytes: Uint8Array;
  #length = 0;

  constructor(capacity = 64) {
    this.#bytes = new Uint8Array(Math.max(16, capacity));
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  /** A non-negative safe integer. */
  uint(value: number): this {
    this.#reserve(MAX_SAFE_BYTES);
    let v = value;
    while (v >= 0x80) {
      this.#bytes[this.#length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#bytes[this.#length++] = v;
    return this;
  }

  /** A signed safe integer (sign, then magnitude). */
  int(value: number): this {
    return this.uint(value < 0 ? 1 : 0).uint(Math.abs(value));
  }

  /** A UTF-8 string, length first. */
  string(value: string): this {
    return this.bytes(encoder.encode(value));
  }

  /** Bytes, length first. */
  bytes(value: Uint8Array): this {
    this.uint(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
    return this;
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class ByteReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_SAFE_BYTES; i++) {
      if (this.#offset >= this.#bytes.length) throw corrupt('a varint runs past the end');
      const byte = this.#bytes[this.#offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw corrupt('a varint is longer than 8 bytes');
  }

  int(): number {
    const negative = this.uint() === 1;
    const magnitude = this.uint();
    return negative ? -magnitude : magnitude;
  }

  string(): string {
    return decoder.decode(this.bytes());
  }

  /** Bytes written by ByteWriter.bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const length = this.uint();
    if (this.#offset + length > this.#bytes.length) throw corrupt('a byte string runs past the end');
    const view = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return view;
  }
}

type Column = Uint16Array | Uint32Array;

/**
 * Two columns of as many numbers, as count vectors and a minute's events store them: the count,
 * the first column (ascending) as deltas, then the second as it is. `bytesPerEntry` sizes the
 * buffer (it grows if that is short).
 */
export function encodeColumns(ascending: Column, other: Column, bytesPerEntry: number): Uint8Array {
  const w = new ByteWriter(ascending.length * bytesPerEntry + 8).uint(ascending.length);
  let previous = 0;
  for (const value of ascending) {
    w.uint(value - previous);
    previous = value;
  }
  for (const value of other) w.uint(value);
  return w.finish();
}

/** The two columns encodeColumns wrote, into arrays of the given types. */
export function decodeColumns<A extends Column, B extends Column>(
  bytes: Uint8Array,
  First: new (length: number) => A,
  Second: new (length: number) => B,
): [A, B] {
  const r = new ByteReader(bytes);
  const n = r.uint();
  const first = new First(n);
  const second = new Second(n);
  let value = 0;
  for (let i = 0; i < n; i++) first[i] = value += r.uint();
  for (let i = 0; i < n; i++) second[i] = r.uint();
  return [first, second];
}

function corrupt(why: string): IpstreamError {
  return new IpstreamError('STORE_CORRUPT', `stored bytes do not decode: ${why}`);
}
