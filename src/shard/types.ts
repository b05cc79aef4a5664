import type { CID } from 'multiformats/cid'

/** Content-defined chunker parameters. Part of every index: same parameters + same bytes = same index. */
export interface ChunkerParams {
  /** Name and version of the algorithm, e.g. `fastcdc-v1`. */
  name: string
  minBytes: number
  avgBytes: number
  maxBytes: number
}

export interface ShardRef {
  /** CIDv1 raw sha2-256 of the shard bytes. */
  cid: CID
  /** Byte offset of the shard in the blob. */
  offset: number
  /** Length in bytes. */
  length: number
}

/** The ordered list of a blob's shards. Deterministically encoded; has a CID of its own. */
export interface ShardIndex {
  /** OCI digest of the whole blob, `sha256:<hex>`. */
  digest: string
  /** Blob size in bytes. */
  size: number
  chunker: ChunkerParams
  shards: ShardRef[]
}

/** One shard as the chunker yields it. */
export interface Chunk extends ShardRef {
  bytes: Uint8Array
}
