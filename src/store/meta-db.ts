/**
 * LevelDB layout of the file store (`<dir>/meta`), keys in utf8, values bytes:
 *
 * | key | value |
 * |---|---|
 * | `s!<shard cid>` | JSON `{sizeBytes, addedAtMs, lastAccessMs}` |
 * | `i!<digest>` | the encoded shard index |
 * | `c!<index cid>` | the digest, utf8 |
 * | `r!<shard cid>!<digest>` | empty: that blob's index lists that shard |
 *
 * `!` sorts before every CID and digest character and `"` right after `!`,
 * so `[p!, p")` is exactly the keys of prefix `p`.
 */
import type { ClassicLevel } from 'classic-level'
import type { ShardMeta } from './base-store.js'

export type MetaDb = ClassicLevel<string, Uint8Array>

export const SHARD = 's!'
export const INDEX = 'i!'
export const INDEX_CID = 'c!'
export const REF = 'r!'

export const EMPTY = new Uint8Array(0)

/** Range options for every key starting with `prefix` (which ends in `!`). */
export function prefixRange (prefix: string): { gte: string, lt: string } {
  return { gte: prefix, lt: prefix.slice(0, -1) + '"' }
}

export function refKey (shardKey: string, digest: string): string {
  return `${REF}${shardKey}!${digest}`
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeText (s: string): Uint8Array {
  return encoder.encode(s)
}

export function decodeText (bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

export function encodeMeta (m: ShardMeta): Uint8Array {
  return encoder.encode(JSON.stringify({ sizeBytes: m.sizeBytes, addedAtMs: m.addedAtMs, lastAccessMs: m.lastAccessMs }))
}

/** undefined when the value is not a well-formed record (then the file is re-verified). */
export function decodeMeta (bytes: Uint8Array): ShardMeta | undefined {
  try {
    const v = JSON.parse(decoder.decode(bytes)) as Partial<ShardMeta>
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
    if (!ok(v.sizeBytes) || !ok(v.addedAtMs) || !ok(v.lastAccessMs)) return undefined
    return { sizeBytes: v.sizeBytes, addedAtMs: v.addedAtMs, lastAccessMs: v.lastAccessMs }
  } catch {
    return undefined
  }
}
