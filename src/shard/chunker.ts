/**
 * The streaming chunker: cuts a byte stream into content-defined shards
 * (`fastcdc-v1`) and names each by its CID.
 *
 * Cutting runs on this thread; a shard of OFF_THREAD_HASH_MIN_BYTES or more is
 * hashed on the libuv thread pool (WebCrypto) while the next one is cut, so
 * the two use two cores. Hence memory: at most two shards (one being hashed,
 * one being cut) plus the input buffer being read, about 2 * maxBytes + one
 * input buffer, and the copy the hash job takes of the shard it hashes.
 */
import { createHash, webcrypto } from 'node:crypto'
import { cidFromSha256 } from './cid.js'
import { OFF_THREAD_HASH_MIN_BYTES } from './constants.js'
import { Cutter, type Cut } from './cutter.js'
import { resolveChunkerParams, type ChunkerInit } from './params.js'
import type { Chunk, ChunkerParams } from './types.js'

export interface ChunkOptions extends ChunkerInit {
  /** Stops the chunker: the generator throws the signal's reason at its next step. */
  signal?: AbortSignal
}

/** The shards of a stream, in order; `params` are the resolved chunker parameters (for the index). */
export type ChunkStream = AsyncGenerator<Chunk, void, undefined> & { readonly params: ChunkerParams }

interface Hashing {
  cut: Cut
  hash: Uint8Array | Promise<ArrayBuffer>
}

/**
 * Cut `source` into shards. Options are validated here, before the first
 * shard (InvalidChunkerParamsError). A shard lying inside one input buffer is
 * a view of it, so input buffers must not be changed once handed over.
 */
export function chunk (source: AsyncIterable<Uint8Array>, opts: ChunkOptions = {}): ChunkStream {
  const params = resolveChunkerParams(opts, ['signal'])
  return Object.assign(cutAndHash(source, params, opts.signal), { params })
}

async function * cutAndHash (source: AsyncIterable<Uint8Array>, params: ChunkerParams, signal: AbortSignal | undefined): AsyncGenerator<Chunk, void, undefined> {
  signal?.throwIfAborted()
  const cutter = new Cutter(params)
  let pending: Hashing | undefined
  try {
    for await (const buf of source) {
      signal?.throwIfAborted()
      for (const cut of cutter.push(buf)) {
        const ready = pending
        pending = startHash(cut)
        if (ready !== undefined) yield await finish(ready, signal)
      }
    }
    const last = cutter.end()
    const ready = pending
    pending = last !== undefined ? startHash(last) : undefined
    if (ready !== undefined) yield await finish(ready, signal)
    if (pending !== undefined) {
      const final = pending
      pending = undefined
      yield await finish(final, signal)
    }
  } finally {
    // Stopped early: nobody will await this hash; keep a failure of it from going unhandled.
    if (pending !== undefined && pending.hash instanceof Promise) pending.hash.catch(() => {})
  }
}

function startHash (cut: Cut): Hashing {
  const hash = cut.bytes.byteLength >= OFF_THREAD_HASH_MIN_BYTES
    ? webcrypto.subtle.digest('SHA-256', cut.bytes)
    : createHash('sha256').update(cut.bytes).digest()
  return { cut, hash }
}

async function finish ({ cut, hash }: Hashing, signal: AbortSignal | undefined): Promise<Chunk> {
  const digest = hash instanceof Uint8Array ? hash : new Uint8Array(await hash)
  signal?.throwIfAborted()
  return { cid: cidFromSha256(digest), offset: cut.offset, length: cut.bytes.byteLength, bytes: cut.bytes }
}
