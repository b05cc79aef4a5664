/**
 * Chunk a whole blob: its shards (handed to `onChunk` as they are cut, so a
 * caller can store them while the stream is still arriving), its sha256
 * digest computed on the way, and the resulting shard index.
 */
import { createHash } from 'node:crypto'
import { chunk, type ChunkOptions } from './chunker.js'
import { MAX_INDEX_SHARDS } from './constants.js'
import { InvalidChunkerParamsError, TooManyShardsError } from './errors.js'
import { indexCid } from './index-codec.js'
import { resolveChunkerParams } from './params.js'
import type { CID } from './cid.js'
import type { Chunk, ShardIndex, ShardRef } from './types.js'

export interface ChunkBlobOptions extends ChunkOptions {
  /** Called for each shard, in order, once its CID is known; awaited, so a slow consumer slows the chunker. */
  onChunk?: (chunk: Chunk) => void | Promise<void>
  /** Most shards the blob may have; at most MAX_INDEX_SHARDS. @default MAX_INDEX_SHARDS (65536) */
  maxShards?: number
}

export interface ChunkedBlob {
  index: ShardIndex
  /** CID of the encoded index (see `indexCid`). */
  indexCid: CID
}

/** Throws TooManyShardsError past `maxShards` shards, InvalidChunkerParamsError on bad options. */
export async function chunkBlob (source: AsyncIterable<Uint8Array>, opts: ChunkBlobOptions = {}): Promise<ChunkedBlob> {
  const params = resolveChunkerParams(opts, ['signal', 'hasher', 'onChunk', 'maxShards'])
  const maxShards = opts.maxShards ?? MAX_INDEX_SHARDS
  if (!Number.isInteger(maxShards) || maxShards < 0 || maxShards > MAX_INDEX_SHARDS) {
    throw new InvalidChunkerParamsError(`maxShards must be an integer from 0 to MAX_INDEX_SHARDS (${MAX_INDEX_SHARDS}), got ${maxShards}`)
  }
  const blobHash = createHash('sha256')
  let size = 0
  async function * hashed (): AsyncGenerator<Uint8Array> {
    for await (const buf of source) {
      blobHash.update(buf)
      size += buf.byteLength
      yield buf
    }
  }
  const shards: ShardRef[] = []
  for await (const c of chunk(hashed(), { ...params, signal: opts.signal, hasher: opts.hasher })) {
    if (shards.length === maxShards) {
      throw new TooManyShardsError(`the blob has more than ${maxShards} shards at avgBytes ${params.avgBytes}; use a larger avgBytes`)
    }
    shards.push({ cid: c.cid, offset: c.offset, length: c.length })
    await opts.onChunk?.(c)
  }
  const index: ShardIndex = { digest: 'sha256:' + blobHash.digest('hex'), size, chunker: params, shards }
  return { index, indexCid: indexCid(index) }
}
