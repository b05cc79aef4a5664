/**
 * A layer's bytes: `randomStream(sizeBytes, seed)` from `sim/random.ts`,
 * made one chunk at a time and never held whole, from any offset (a range
 * starts at the chunk that holds its first byte). The digest is computed
 * once, by streaming, and kept in a cache the caller may share between
 * origins (the swarm run and the direct run serve the same layers).
 */
import { createHash } from 'node:crypto'
import { randomBytes, seededRandom } from '../random.js'
import { DIGEST_YIELD_BYTES, LAYER_CHUNK_BYTES } from './constants.js'

export interface LayerSource {
  sizeBytes: number
  seed: number
}

/** Cache key of a layer's digest: its bytes depend on nothing else. */
export function layerKey (layer: LayerSource): string {
  return `${layer.seed >>> 0}:${layer.sizeBytes}`
}

/** Bytes [start, end) of the layer, in chunks of at most LAYER_CHUNK_BYTES (fresh buffers). */
export function * layerChunks (layer: LayerSource, start = 0, end = layer.sizeBytes): Generator<Uint8Array> {
  if (!(start >= 0 && end <= layer.sizeBytes && start <= end)) throw new RangeError(`range [${start}, ${end}) is outside a layer of ${layer.sizeBytes} bytes`)
  const next = seededRandom(layer.seed)
  const first = Math.floor(start / LAYER_CHUNK_BYTES)
  // Chunk i's seed is the generator's (i+1)th output, as in randomStream.
  for (let i = 0; i < first; i++) next()
  for (let offset = first * LAYER_CHUNK_BYTES; offset < end; offset += LAYER_CHUNK_BYTES) {
    const length = Math.min(LAYER_CHUNK_BYTES, layer.sizeBytes - offset)
    const chunk = randomBytes(length, next())
    const from = Math.max(0, start - offset)
    const to = Math.min(length, end - offset)
    yield from === 0 && to === length ? chunk : chunk.subarray(from, to)
  }
}

/** `sha256:<hex>` of the layer's bytes, from `cache` when it has it (and put there). */
export async function layerDigest (layer: LayerSource, cache?: Map<string, string>): Promise<string> {
  const key = layerKey(layer)
  const known = cache?.get(key)
  if (known !== undefined) return known
  const hash = createHash('sha256')
  let sinceYield = 0
  for (const chunk of layerChunks(layer)) {
    hash.update(chunk)
    sinceYield += chunk.byteLength
    if (sinceYield >= DIGEST_YIELD_BYTES) { sinceYield = 0; await new Promise(resolve => setImmediate(resolve)) }
  }
  const digest = `sha256:${hash.digest('hex')}`
  cache?.set(key, digest)
  return digest
}
