/**
 * Test helpers for the shard subsystem: seeded bytes, ways to split them into
 * input buffers, and a reference FastCDC written the plain way (whole buffer,
 * one loop) that the streaming chunker must agree with.
 */
import { chunk, type ChunkOptions } from '../../src/shard/chunker.js'
import { GEAR, gearMasks } from '../../src/shard/gear.js'
import type { Chunk, ChunkerParams } from '../../src/shard/types.js'

const KiB = 1024

/** Small parameters, so tests see many shards in little data. */
export const SMALL: ChunkerParams = { name: 'fastcdc-v1', minBytes: 4 * KiB, avgBytes: 16 * KiB, maxBytes: 64 * KiB }

// Seeded bytes shared with the simulator and the benchmarks (splitmix32 seeds, xorshift32 words).
import { randomBytes, seededRandom as prng } from '../../sim/random.js'

export { prng, randomBytes }

/** The bytes as an async stream of buffers of the given sizes (cycled), each a copy (as a socket would give). */
export async function * split (bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let i = 0
  for (let at = 0; at < bytes.byteLength; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.byteLength - at)
    yield bytes.slice(at, at + n)
    at += n
  }
}

/** The bytes as a stream of buffers of seeded random sizes from 1 to `maxBytes`. */
export async function * randomSplit (bytes: Uint8Array, seed: number, maxBytes: number): AsyncGenerator<Uint8Array> {
  const next = prng(seed)
  for (let at = 0; at < bytes.byteLength;) {
    const n = Math.min(1 + next() % maxBytes, bytes.byteLength - at)
    yield bytes.slice(at, at + n)
    at += n
  }
}

export async function collect (source: AsyncIterable<Uint8Array>, opts?: ChunkOptions): Promise<Chunk[]> {
  const out: Chunk[] = []
  for await (const c of chunk(source, opts)) out.push(c)
  return out
}

/** Shard lengths by a plain whole-buffer FastCDC: the definition of `fastcdc-v1`. */
export function referenceLengths (bytes: Uint8Array, p: ChunkerParams): number[] {
  const { hard, easy } = gearMasks(p.avgBytes)
  const out: number[] = []
  for (let start = 0; start < bytes.byteLength;) {
    const end = Math.min(bytes.byteLength - start, p.maxBytes)
    let length = end
    let h = 0
    for (let i = p.minBytes; i < end; i++) {
      h = ((h << 1) + GEAR[bytes[start + i]!]!) | 0
      if ((h & (i < p.avgBytes ? hard : easy)) === 0) {
        length = i + 1
        break
      }
    }
    out.push(length)
    start += length
  }
  return out
}

export function concat (parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts)
}
