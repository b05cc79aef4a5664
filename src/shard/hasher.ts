/**
 * How the chunker hashes shards: inline on this thread (the default), or on
 * a worker thread (`WorkerHasher`), which lets cutting and hashing use two
 * cores. Either way the result is the same sha256.
 */
import { createHash } from 'node:crypto'

export interface HashedShard {
  /** The shard's bytes: the ones passed in, or, after a trip to a worker, the same memory handed back. */
  bytes: Uint8Array
  sha256: Uint8Array
}

export interface ShardHasher {
  /**
   * sha256 of a shard. When `transferable` (the bytes are the whole of a
   * buffer nobody else holds), the hasher may move that buffer to another
   * thread while it works: use the returned `bytes`, never the ones passed in.
   */
  hash (bytes: Uint8Array, transferable: boolean): HashedShard | Promise<HashedShard>
}

/** Hashes on the calling thread, synchronously. */
export const inlineHasher: ShardHasher = {
  hash (bytes: Uint8Array): HashedShard {
    return { bytes, sha256: createHash('sha256').update(bytes).digest() }
  }
}
