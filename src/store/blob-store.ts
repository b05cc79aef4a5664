/**
 * Blob operations over the shard table and stored indexes: have-maps,
 * completeness, ranged streaming reads, deletion with shared shards kept,
 * and adding a blob from a byte stream.
 */
import { BaseStore, copyIndex } from './base-store.js'
import { BlobNotFoundError, InvalidRangeError, ShardNotFoundError } from './errors.js'
import { buildBitmap } from './have-map.js'
import { isValidRange, sliceRange } from './blob-range.js'
import { addBlobFromStream } from './add-blob.js'
import { CID } from '../shard/cid.js'
import type { LoadedIndex } from './base-store.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import type { AbortOptions, AddBlobOptions, BlobInfo, HaveMap, IndexEntry, ReadBlobOptions } from './index.js'

export abstract class BlobStore extends BaseStore {
  async getIndex (digest: string, opts: AbortOptions = {}): Promise<ShardIndex | undefined> {
    return this.track(opts.signal, async () => {
      const loaded = await this.loadIndex(digest)
      return loaded === undefined ? undefined : copyIndex(loaded.index)
    })
  }

  async getIndexByCid (indexCid: CID, opts: AbortOptions = {}): Promise<ShardIndex | undefined> {
    return this.track(opts.signal, async () => {
      const digest = await this.digestOfIndexCid(indexCid.toString())
      if (digest === undefined) return undefined
      const loaded = await this.loadIndex(digest)
      return loaded?.indexCid.equals(indexCid) === true ? copyIndex(loaded.index) : undefined
    })
  }

  async * listIndexes (opts: AbortOptions = {}): AsyncGenerator<IndexEntry> {
    this.assertStarted()
    for await (const entry of this.indexEntries()) {
      opts.signal?.throwIfAborted()
      yield { digest: entry.digest, indexCid: CID.parse(entry.indexCid) }
    }
  }

  async * listBlobs (opts: AbortOptions = {}): AsyncGenerator<BlobInfo> {
    for await (const { digest } of this.listIndexes(opts)) {
      // Bypass the cache: a listing must not push out the hot indexes.
      const loaded = await this.track(opts.signal, async () => this.loadIndex(digest, false))
      if (loaded === undefined) continue // deleted while listing
      let heldShards = 0
      let heldBytes = 0
      loaded.index.shards.forEach((ref, i) => {
        if (this.holds(loaded.keys[i] ?? '')) {
          heldShards++
          heldBytes += ref.length
        }
      })
      const shards = loaded.index.shards.length
      yield {
        digest,
        indexCid: loaded.indexCid,
        sizeBytes: loaded.index.size,
        shards,
        heldShards,
        heldBytes,
        complete: heldShards === shards
      }
    }
  }

  private async requireIndex (digest: string, signal?: AbortSignal): Promise<LoadedIndex> {
    return this.track(signal, async () => {
      const loaded = await this.loadIndex(digest)
      if (loaded === undefined) throw new BlobNotFoundError(digest)
      return loaded
    })
  }

  async hasBlob (digest: string, opts: AbortOptions = {}): Promise<boolean> {
    return this.track(opts.signal, async () => {
      const loaded = await this.loadIndex(digest)
      return loaded !== undefined && loaded.keys.every(key => this.holds(key))
    })
  }

  async missingShards (digest: string, opts: AbortOptions = {}): Promise<ShardRef[]> {
    const loaded = await this.requireIndex(digest, opts.signal)
    return loaded.index.shards.filter((_, i) => !this.holds(loaded.keys[i] ?? '')).map(ref => ({ ...ref }))
  }

  async haveMap (digest: string, opts: AbortOptions = {}): Promise<HaveMap> {
    const loaded = await this.requireIndex(digest, opts.signal)
    const bitmap = buildBitmap(loaded.keys.length, i => this.holds(loaded.keys[i] ?? ''))
    return { indexCid: loaded.indexCid, shards: loaded.index.shards.length, bitmap }
  }

  async * readBlob (digest: string, opts: ReadBlobOptions = {}): AsyncGenerator<Uint8Array> {
    const { index, keys } = await this.requireIndex(digest, opts.signal)
    const offset = opts.offset ?? 0
    const length = opts.length ?? index.size - offset
    if (!isValidRange(index.size, offset, length)) throw new InvalidRangeError(digest, offset, length, index.size)
    const slices = sliceRange(index, offset, length)
    // Fail before the first byte when the range cannot be served: the mirror
    // has not sent its headers yet and can still go elsewhere.
    for (const { ref, i } of slices) {
      if (!this.holds(keys[i] ?? '')) {
        throw new ShardNotFoundError(ref.cid.toString(), `blob ${digest} is incomplete: shard ${i} (${ref.cid.toString()}) is not in the store`)
      }
    }
    for (const { ref, start, end } of slices) {
      const bytes = await this.get(ref.cid, { signal: opts.signal, ...(opts.verify === false ? { verify: false } : {}) })
      yield start === 0 && end === bytes.byteLength ? bytes : bytes.subarray(start, end)
    }
  }

  async deleteBlob (digest: string, opts: AbortOptions = {}): Promise<boolean> {
    return this.track(opts.signal, async () => {
      const loaded = await this.blobLocks.run(digest, async () => {
        const found = await this.loadIndex(digest, false)
        if (found !== undefined) await this.dropIndex(found)
        return found
      })
      if (loaded === undefined) return false
      const seen = new Set<string>()
      for (const [i, ref] of loaded.index.shards.entries()) {
        const key = loaded.keys[i] ?? ''
        if (key === '' || seen.has(key)) continue
        seen.add(key)
        // An index stored after this check may list the shard and lose it;
        // it then shows up in missingShards and is fetched again.
        if (!await this.isReferenced(key)) await this.removeKey(key, ref.cid, 'blob-deleted')
      }
      return true
    })
  }

  async addBlob (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: AddBlobOptions = {}): Promise<ShardIndex> {
    this.assertStarted()
    return addBlobFromStream(source, opts, {
      put: async (key, cid, bytes, signal) => this.track(signal, async () => this.putVerified(key, cid, bytes, signal)),
      putIndex: async (index, signal) => this.putIndex(index, { signal })
    })
  }
}
