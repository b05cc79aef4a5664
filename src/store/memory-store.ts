/**
 * The in-memory twin of the file store, for tests of other subsystems. Its
 * "disk" (shard bytes, metadata, indexes) lives in the instance and survives
 * stop/start, like a data directory survives a restart; all behaviour above
 * storage is shared with the file store (base-store.ts, blob-store.ts).
 */
import { BlobStore } from './blob-store.js'
import { checkInit } from './base-store.js'
import type { CID } from '../shard/cid.js'
import type { IndexRecord, OpenState, ShardMeta } from './base-store.js'
import type { ShardStore, ShardStoreInit, StoreComponents } from './index.js'

export class MemoryStore extends BlobStore implements ShardStore {
  private readonly files = new Map<string, Uint8Array>()
  private readonly shardMeta = new Map<string, ShardMeta>()
  private readonly indexes = new Map<string, IndexRecord>()
  private readonly digestByIndexCid = new Map<string, string>()
  /** shard key -> digests of the indexes that list it */
  private readonly refs = new Map<string, Set<string>>()

  constructor (init: ShardStoreInit = {}, components: StoreComponents = {}) {
    checkInit(init, [])
    super(init, components)
  }

  protected async open (): Promise<OpenState> {
    const shards = new Map<string, ShardMeta>()
    for (const [key, m] of this.shardMeta) shards.set(key, { ...m })
    return { shards, blobs: this.indexes.size }
  }

  protected async close (): Promise<void> {}

  protected async readShard (key: string): Promise<Uint8Array | undefined> {
    // A copy, as a file read would be: callers may not change what is stored.
    return this.files.get(key)?.slice()
  }

  protected async writeShard (key: string, _cid: CID, bytes: Uint8Array, meta: ShardMeta, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    this.files.set(key, bytes.slice())
    this.shardMeta.set(key, { ...meta })
  }

  protected async removeShard (key: string): Promise<void> {
    this.files.delete(key)
    this.shardMeta.delete(key)
  }

  protected async persistAccess (entries: Array<[string, ShardMeta]>): Promise<void> {
    for (const [key, m] of entries) {
      if (this.shardMeta.has(key)) this.shardMeta.set(key, { ...m })
    }
  }

  protected async readIndexBytes (digest: string): Promise<Uint8Array | undefined> {
    return this.indexes.get(digest)?.bytes
  }

  protected async writeIndexRecord (next: IndexRecord, previous: IndexRecord | undefined): Promise<void> {
    if (previous !== undefined) await this.removeIndexRecord(previous)
    this.indexes.set(next.digest, next)
    this.digestByIndexCid.set(next.indexCid, next.digest)
    for (const key of next.shardKeys) {
      let set = this.refs.get(key)
      if (set === undefined) {
        set = new Set()
        this.refs.set(key, set)
      }
      set.add(next.digest)
    }
  }

  protected async removeIndexRecord (record: IndexRecord): Promise<void> {
    this.indexes.delete(record.digest)
    this.digestByIndexCid.delete(record.indexCid)
    for (const key of record.shardKeys) {
      const set = this.refs.get(key)
      set?.delete(record.digest)
      if (set?.size === 0) this.refs.delete(key)
    }
  }

  protected async digestOfIndexCid (indexCid: string): Promise<string | undefined> {
    return this.digestByIndexCid.get(indexCid)
  }

  protected async * indexEntries (): AsyncGenerator<{ digest: string, indexCid: string }> {
    for (const [indexCid, digest] of [...this.digestByIndexCid]) yield { digest, indexCid }
  }

  protected async isReferenced (key: string): Promise<boolean> {
    return (this.refs.get(key)?.size ?? 0) > 0
  }
}
