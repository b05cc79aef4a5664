/** Which shards, and which bytes of each, make up a byte range of a blob. */
import type { ShardIndex, ShardRef } from '../shard/types.js'

export interface ShardSlice {
  ref: ShardRef
  /** Position of the shard in the index. */
  i: number
  /** Bytes [start, end) of the shard. */
  start: number
  end: number
}

/** Is [offset, offset + length) a valid range of a blob of `size` bytes? */
export function isValidRange (size: number, offset: number, length: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) &&
    offset >= 0 && length >= 0 && offset + length <= size
}

/** The index of the shard holding byte `offset` (binary search; shards are contiguous and sorted). */
function shardAt (shards: readonly ShardRef[], offset: number): number {
  let lo = 0
  let hi = shards.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((shards[mid]?.offset ?? 0) <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** The slices covering [offset, offset + length). The range must be valid. */
export function sliceRange (index: ShardIndex, offset: number, length: number): ShardSlice[] {
  const slices: ShardSlice[] = []
  if (length === 0) return slices
  const end = offset + length
  for (let i = shardAt(index.shards, offset); i < index.shards.length; i++) {
    const ref = index.shards[i]
    if (ref === undefined || ref.offset >= end) break
    if (ref.length === 0) continue
    slices.push({
      ref,
      i,
      start: Math.max(offset - ref.offset, 0),
      end: Math.min(end - ref.offset, ref.length)
    })
  }
  return slices
}
