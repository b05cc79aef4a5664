/**
 * Have-map bitmaps: bit i is shard i, byte `i >> 3`, least significant bit
 * first (`bitmap[i >> 3] & (1 << (i & 7))`); trailing bits are 0.
 */

/** A bitmap of `count` bits, bit i set when `held(i)`. */
export function buildBitmap (count: number, held: (i: number) => boolean): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(count / 8))
  for (let i = 0; i < count; i++) {
    if (held(i)) bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7))
  }
  return bitmap
}

/** Is shard i set in a have-map bitmap? False past its end. */
export function bitmapHas (bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3] ?? 0) & (1 << (i & 7))) !== 0
}
