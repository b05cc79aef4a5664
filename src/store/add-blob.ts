/**
 * Adding a blob from a byte stream: `chunkBlob` cuts it and hashes the whole
 * stream on the way; each shard is stored as soon as it is cut (one or two
 * shards in memory at a time, never the blob), then the index. Shards stored
 * before a failure stay: each is valid on its own, and eviction reclaims the
 * ones no index lists.
 */
import { chunkBlob } from '../shard/chunk-blob.js'
import { BlobDigestMismatchError, ShardVerificationError } from './errors.js'
import { shardKey } from './shard-key.js'
import type { CID } from '../shard/cid.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import { ADD_BLOB_PUTS_IN_FLIGHT } from './constants.js'
import type { AddBlobOptions } from './index.js'

export interface AddBlobTarget {
  put (key: string, cid: CID, bytes: Uint8Array, signal?: AbortSignal): Promise<boolean>
  putIndex (index: ShardIndex, signal?: AbortSignal): Promise<CID>
}

async function * asAsync (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield * source
}

export async function addBlobFromStream (
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: AddBlobOptions, target: AddBlobTarget
): Promise<ShardIndex> {
  const { signal } = opts
  // Several shard writes in flight at once, so their fsyncs overlap with each
  // other and with the chunker; `onShard` still reports them in blob order.
  const inflight: Array<{ ref: ShardRef, put: Promise<boolean> }> = []
  const settleHead = async (): Promise<void> => {
    const head = inflight.shift()
    if (head === undefined) return
    const added = await head.put
    opts.onShard?.(head.ref, added)
  }
  try {
    const { index } = await chunkBlob(asAsync(source), {
      ...opts.chunker,
      ...(opts.hasher != null ? { hasher: opts.hasher } : {}),
      signal,
      onChunk: async c => {
        const key = shardKey(c.cid)
        if (key === undefined) throw new ShardVerificationError(c.cid.toString(), `the chunker yielded ${c.cid.toString()}, not a shard CID`)
        // The chunker computed the CID from these bytes: no second hash.
        const put = target.put(key, c.cid, c.bytes, signal)
        put.catch(() => {}) // awaited in order below; never an unhandled rejection meanwhile
        inflight.push({ ref: { cid: c.cid, offset: c.offset, length: c.length }, put })
        while (inflight.length >= ADD_BLOB_PUTS_IN_FLIGHT) await settleHead()
      }
    })
    while (inflight.length > 0) await settleHead()
    if (opts.expectedDigest !== undefined && opts.expectedDigest !== index.digest) {
      throw new BlobDigestMismatchError(opts.expectedDigest, index.digest)
    }
    await target.putIndex(index, signal)
    return index
  } finally {
    // On failure, let the writes already started finish before returning.
    await Promise.allSettled(inflight.map(async i => await i.put))
  }
}
