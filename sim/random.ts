/**
 * Deterministic pseudo-random bytes for generated layers: the same seed gives
 * the same bytes (and digest) on every machine, and no two shards repeat.
 * The simulator, the benchmarks and the tests share these.
 */
import { seededRandom } from '../src/predict/trace/prng.js'

export { seededRandom }

const MiB = 1024 * 1024

/** `size` deterministic pseudo-random bytes (xorshift32 words; about 1 GB/s). */
export function randomBytes (size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(Math.ceil(size / 4) * 4)
  const words = new Uint32Array(out.buffer)
  let x = (seededRandom(seed)() | 1) >>> 0
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  return out.subarray(0, size)
}

/** `sizeBytes` of deterministic pseudo-random bytes, in fresh buffers of `chunkBytes`. */
export async function * randomStream (sizeBytes: number, seed = 1, chunkBytes = 1 * MiB): AsyncGenerator<Uint8Array> {
  const next = seededRandom(seed)
  for (let left = sizeBytes; left > 0; left -= chunkBytes) {
    yield randomBytes(Math.min(chunkBytes, left), next())
  }
}
