/**
 * Shards: how a blob becomes content-addressed pieces. The chunker cuts a
 * byte stream at content-defined boundaries (FastCDC with a fixed gear table,
 * `fastcdc-v1`), so an edit early in a layer moves one or two boundaries, not
 * all of them, and layers that share content share shards. Each shard is
 * named by a CIDv1 (raw, sha2-256) of its bytes; a blob's digest converts to
 * and from a CID of the same form. The ordered list of a blob's shards is its
 * shard index, encoded canonically (same parameters + same bytes = same index
 * = same index CID), so a peer's index can be recomputed and compared.
 *
 * The store chunks what it adds (`chunk` or `chunkBlob`), the exchange sends
 * indexes (`encodeIndex` / `decodeIndex`) and verifies shards (`verifyShard`).
 * Cutting runs on the calling thread; hashing runs there too unless a
 * `WorkerHasher` (one per process, started and stopped by the composition
 * root) is passed as `hasher`, which puts most of it on a second core and
 * makes chunking about a third faster.
 */
export { chunk, type ChunkOptions, type ChunkStream } from './chunker.js'
export { chunkBlob, type ChunkBlobOptions, type ChunkedBlob } from './chunk-blob.js'
export { inlineHasher, type HashedShard, type ShardHasher } from './hasher.js'
export { WorkerHasher, type WorkerHasherInit } from './worker-hasher.js'
export { decodeIndex, encodeIndex, indexCid, validateIndex } from './index-codec.js'
export { resolveChunkerParams, validateChunkerParams, type ChunkerInit, type ChunkerOptions } from './params.js'
export {
  CID, cidFromSha256, cidToDigest, digestToCid, InvalidDigestError, isDigest, parseCid, SHA256_CODE, shardCid, verifyShard
} from './cid.js'
export {
  CHUNKER_NAME, DEFAULT_AVG_BYTES, DEFAULT_MAX_BYTES, DEFAULT_MIN_BYTES, MAX_INDEX_BYTES, MAX_INDEX_SHARDS,
  MAX_MAX_BYTES, MIN_AVG_BYTES, MIN_MIN_BYTES
} from './constants.js'
export { HasherStoppedError, InvalidChunkerParamsError, InvalidIndexError, TooManyShardsError } from './errors.js'
export type { Chunk, ChunkerParams, ShardIndex, ShardRef } from './types.js'
