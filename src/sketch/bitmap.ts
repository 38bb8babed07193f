/**
 * Exact sets of device ids as Roaring bitmaps (roaring-wasm), stored in the portable Roaring
 * format that every Roaring implementation (Java, Go, C, Python, Rust) reads. A dense range of ids
 * costs about one bit each, which is what makes the exact unique count of a long range cheap to
 * read: the union of the bitmaps of the buckets that tile it.
 *
 * The WebAssembly module must be loaded once per thread (`loadBitmaps`) before any other call.
 * Bitmaps live in WebAssembly memory: every one made here is disposed before its function returns.
 */
import { RoaringBitmap32, roaringLibraryInitialize } from 'roaring-wasm';

let ready: Promise<void> | undefined;

export function loadBitmaps(): Promise<void> {
  ready ??= roaringLibraryInitialize();
  return ready;
}

const FORMAT = 'portable';

/** The set `bytes` (or the empty set) with `ids` added: its new bytes and size. */
export function addToBitmap(
  bytes: Uint8Array | null,
  ids: Uint32Array | readonly number[],
): { bytes: Uint8Array; size: number } {
  const bitmap = bytes === null ? new RoaringBitmap32() : RoaringBitmap32.deserialize(bytes, FORMAT);
  try {
    bitmap.addMany(ids);
    bitmap.runOptimize();
    return { bytes: bitmap.serialize(FORMAT), size: bitmap.size };
  } finally {
    bitmap.dispose();
  }
}

/** A union built up from stored bitmaps and id lists; `close` frees it. */
export class BitmapUnion {
  readonly #union = new RoaringBitmap32();

  addBitmap(bytes: Uint8Array): void {
    const other = RoaringBitmap32.deserialize(bytes, FORMAT);
    try {
      this.#union.orInPlace(other);
    } finally {
      other.dispose();
    }
  }

  addIds(ids: Uint32Array | readonly number[]): void {
    this.#union.addMany(ids);
  }

  get size(): number {
    return this.#union.size;
  }

  close(): void {
    this.#union.dispose();
  }
}
