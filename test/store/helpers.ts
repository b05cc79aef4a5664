/** Test helpers for the store: deterministic bytes, hand-built indexes (no chunker), a quiet logger. */
import { createHash } from 'node:crypto'
import { shardCid } from '../../src/shard/cid.js'
import type { CID } from '../../src/shard/cid.js'
import type { ShardIndex } from '../../src/shard/types.js'
import type { StoreLogger } from '../../src/store/index.js'

/** mulberry32: a small seeded PRNG, so every random test can be replayed from its seed. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBytes (size: number, seed: number): Uint8Array {
  const next = prng(seed)
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = Math.floor(next() * 256)
  return out
}

export interface TestShard {
  cid: CID
  bytes: Uint8Array
}

export interface TestBlob {
  bytes: Uint8Array
  index: ShardIndex
  shards: TestShard[]
}

/** A blob cut at fixed offsets into shards (lengths), with its index. */
export function blobFromParts (parts: Uint8Array[]): TestBlob {
  const total = parts.reduce((n, p) => n + p.byteLength, 0)
  const bytes = new Uint8Array(total)
  const shards: TestShard[] = []
  const refs: ShardIndex['shards'] = []
  let offset = 0
  for (const p of parts) {
    bytes.set(p, offset)
    const cid = shardCid(p)
    shards.push({ cid, bytes: p })
    refs.push({ cid, offset, length: p.byteLength })
    offset += p.byteLength
  }
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
  const index: ShardIndex = {
    digest,
    size: total,
    chunker: { name: 'fastcdc-v1', minBytes: 16, avgBytes: 64, maxBytes: 65536 },
    shards: refs
  }
  return { bytes, index, shards }
}

/** A random blob cut at the given lengths. */
export function makeBlob (lengths: number[], seed: number): TestBlob {
  return blobFromParts(lengths.map((n, i) => randomBytes(n, seed * 1000 + i)))
}

export function concat (bufs: Uint8Array[]): Uint8Array {
  return Buffer.concat(bufs)
}

export async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** A logger that records instead of printing. */
export function recordingLogger (): StoreLogger & { lines: Array<{ level: string, msg: string, obj: object }> } {
  const lines: Array<{ level: string, msg: string, obj: object }> = []
  return {
    lines,
    debug: (obj, msg) => { lines.push({ level: 'debug', msg, obj }) },
    warn: (obj, msg) => { lines.push({ level: 'warn', msg, obj }) },
    error: (obj, msg) => { lines.push({ level: 'error', msg, obj }) }
  }
}
