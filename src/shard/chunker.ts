/**
 * The streaming chunker: cuts a byte stream into content-defined shards
 * (`fastcdc-v1`) and names each by its CID.
 *
 * Cutting runs on this thread. Hashing goes to the `hasher`: inline by
 * default; with a WorkerHasher, up to HASH_AHEAD_SHARDS shards are hashed on
 * another core while the next one is cut. Memory the chunker holds: the
 * shard being cut (up to maxBytes, as views of input buffers where it can)
 * and the input buffer being read; with a worker, also the shards still
 * being hashed: at most (HASH_AHEAD_SHARDS + 1) * maxBytes plus one input
 * buffer.
 */
import { cidFromSha256 } from './cid.js'
import { HASH_AHEAD_SHARDS } from './constants.js'
import { Cutter, type Cut } from './cutter.js'
import { inlineHasher, type HashedShard, type ShardHasher } from './hasher.js'
import { resolveChunkerParams, type ChunkerInit } from './params.js'
import type { Chunk, ChunkerParams } from './types.js'

export interface ChunkOptions extends ChunkerInit {
  /** Stops the chunker: the generator throws the signal's reason at its next step. */
  signal?: AbortSignal
  /** Where shards are hashed. @default inline, on this thread */
  hasher?: ShardHasher
}

/** The shards of a stream, in order; `params` are the resolved chunker parameters (for the index). */
export type ChunkStream = AsyncGenerator<Chunk, void, undefined> & { readonly params: ChunkerParams }

const CHUNK_OPTION_KEYS = ['signal', 'hasher']

interface Hashing {
  offset: number
  hashed: HashedShard | Promise<HashedShard>
}

/**
 * Cut `source` into shards. Options are validated here, before the first
 * shard (InvalidChunkerParamsError). A shard lying inside one input buffer is
 * a view of it, so input buffers must not be changed once handed over.
 */
export function chunk (source: AsyncIterable<Uint8Array>, opts: ChunkOptions = {}): ChunkStream {
  const params = resolveChunkerParams(opts, CHUNK_OPTION_KEYS)
  return Object.assign(cutAndHash(source, params, opts.hasher ?? inlineHasher, opts.signal), { params })
}

async function * cutAndHash (source: AsyncIterable<Uint8Array>, params: ChunkerParams, hasher: ShardHasher, signal: AbortSignal | undefined): AsyncGenerator<Chunk, void, undefined> {
  signal?.throwIfAborted()
  const cutter = new Cutter(params)
  const queue: Hashing[] = []
  const start = (cut: Cut): void => { queue.push({ offset: cut.offset, hashed: hasher.hash(cut.bytes, cut.owned) }) }
  // Yield what is hashed already; wait only when too many shards are out.
  const ready = (): boolean => queue.length > HASH_AHEAD_SHARDS || (queue.length > 0 && !(queue[0]!.hashed instanceof Promise))
  try {
    for await (const buf of source) {
      signal?.throwIfAborted()
      for (const cut of cutter.push(buf)) {
        start(cut)
        while (ready()) yield await finish(queue.shift()!, signal)
      }
    }
    const last = cutter.end()
    if (last !== undefined) start(last)
    while (queue.length > 0) yield await finish(queue.shift()!, signal)
  } finally {
    // Stopped early: nobody will await these; keep their failures from going unhandled.
    for (const { hashed } of queue) if (hashed instanceof Promise) hashed.catch(() => {})
  }
}

async function finish ({ offset, hashed }: Hashing, signal: AbortSignal | undefined): Promise<Chunk> {
  const { bytes, sha256 } = await hashed
  signal?.throwIfAborted()
  return { cid: cidFromSha256(sha256), offset, length: bytes.byteLength, bytes }
}
