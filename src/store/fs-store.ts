/**
 * The file store. A shard is written to `tmp/`, fsynced, renamed to
 * `shards/<2 hex>/<cid>` (see shard-key.ts), the directory fsynced, and only
 * then recorded in LevelDB (meta-db.ts). So a crash leaves at worst a temp
 * file (removed on start) or a complete file without metadata (re-hashed and
 * adopted on start). Metadata writes are not synced: what they lose,
 * reconciliation rebuilds from the files.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { BlobStore } from './blob-store.js'
import { checkInit } from './base-store.js'
import { ACCESS_FLUSH_INTERVAL_MS } from './constants.js'
import { InvalidStoreOptionError } from './errors.js'
import { reconcile } from './reconcile.js'
import { shardDirName } from './shard-key.js'
import {
  decodeText, EMPTY, encodeMeta, encodeText, INDEX, INDEX_CID, prefixRange, REF, refKey, SHARD
} from './meta-db.js'
import type { CID } from '../shard/cid.js'
import type { IndexRecord, OpenState, ShardMeta } from './base-store.js'
import type { MetaDb } from './meta-db.js'
import type { ReconcileReport } from './reconcile.js'
import type { FsStoreInit, ShardStore, StoreComponents } from './index.js'

type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

function isNotFound (err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

/** Make a rename durable: fsync the directory that holds it. */
async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export class FsStore extends BlobStore implements ShardStore {
  readonly dir: string
  private readonly shardsDir: string
  private readonly tmpDir: string
  private readonly metaDir: string
  private readonly sync: boolean
  private readonly verifyOnStart: boolean
  private readonly accessFlushIntervalMs: number
  private db?: MetaDb
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>
  private readonly madeDirs = new Set<string>()
  private tmpCounter = 0
  /** What the last start found and repaired. */
  lastReconcile?: ReconcileReport

  constructor (init: FsStoreInit, components: StoreComponents = {}) {
    checkInit(init, ['dir', 'sync', 'verifyOnStart', 'accessFlushIntervalMs'])
    if (typeof init.dir !== 'string' || init.dir === '') {
      throw new InvalidStoreOptionError('store option dir is required: the data directory (e.g. /var/lib/shoal)')
    }
    const interval = init.accessFlushIntervalMs ?? ACCESS_FLUSH_INTERVAL_MS
    if (!Number.isSafeInteger(interval) || interval <= 0) {
      throw new InvalidStoreOptionError(`store option accessFlushIntervalMs must be a positive integer, got ${String(interval)}`)
    }
    super(init, components)
    this.dir = init.dir
    this.shardsDir = join(init.dir, 'shards')
    this.tmpDir = join(init.dir, 'tmp')
    this.metaDir = join(init.dir, 'meta')
    this.sync = init.sync ?? true
    this.verifyOnStart = init.verifyOnStart ?? false
    this.accessFlushIntervalMs = interval
  }

  private requireDb (): MetaDb {
    if (this.db === undefined) throw new Error('shoal:store: metadata database is not open')
    return this.db
  }

  protected async open (): Promise<OpenState> {
    await mkdir(this.shardsDir, { recursive: true })
    await mkdir(this.tmpDir, { recursive: true })
    const db: MetaDb = new ClassicLevel<string, Uint8Array>(this.metaDir, { valueEncoding: 'view' })
    await db.open()
    try {
      const { shards, report } = await reconcile({
        db, shardsDir: this.shardsDir, tmpDir: this.tmpDir, verifyAll: this.verifyOnStart, logger: this.logger
      })
      let blobs = 0
      for await (const _ of db.keys(prefixRange(INDEX))) blobs++
      this.db = db
      this.lastReconcile = report
      this.madeDirs.clear()
      this.timer = setInterval(() => { this.flushing = this.flushAccess() }, this.accessFlushIntervalMs)
      this.timer.unref()
      this.logger.debug({ dir: this.dir, blobs, ...report }, 'store opened')
      return { shards, blobs }
    } catch (err) {
      await db.close()
      throw err
    }
  }

  protected async close (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.flushing
    await this.db?.close()
    this.db = undefined
  }

  private shardPath (cid: CID, key: string): string {
    return join(this.shardsDir, shardDirName(cid), key)
  }

  protected async readShard (key: string, cid: CID, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.shardPath(cid, key), { signal })
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  protected async writeShard (key: string, cid: CID, bytes: Uint8Array, meta: ShardMeta, signal?: AbortSignal): Promise<void> {
    const db = this.requireDb()
    const dirName = shardDirName(cid)
    const dir = join(this.shardsDir, dirName)
    if (!this.madeDirs.has(dirName)) {
      await mkdir(dir, { recursive: true })
      this.madeDirs.add(dirName)
    }
    const tmp = join(this.tmpDir, `${key}.${++this.tmpCounter}`)
    const final = join(dir, key)
    let renamed = false
    try {
      const fh = await open(tmp, 'wx')
      try {
        await fh.writeFile(bytes)
        if (this.sync) await fh.sync()
      } finally {
        await fh.close()
      }
      signal?.throwIfAborted()
      await rename(tmp, final)
      renamed = true
      if (this.sync) await syncDir(dir)
    } finally {
      if (!renamed) await rm(tmp, { force: true })
    }
    try {
      await db.put(SHARD + key, encodeMeta(meta))
    } catch (err) {
      await rm(final, { force: true })
      throw err
    }
  }

  protected async removeShard (key: string, cid: CID): Promise<void> {
    await rm(this.shardPath(cid, key), { force: true })
    await this.requireDb().del(SHARD + key)
  }

  // A flush may race a delete and write back the metadata of a removed
  // shard; that is metadata without a file, dropped on the next start.
  protected async persistAccess (entries: Array<[string, ShardMeta]>): Promise<void> {
    if (entries.length === 0 || this.db === undefined) return
    await this.db.batch(entries.map(([key, m]): BatchOp => ({ type: 'put', key: SHARD + key, value: encodeMeta(m) })))
  }

  protected async readIndexBytes (digest: string): Promise<Uint8Array | undefined> {
    return this.requireDb().get(INDEX + digest)
  }

  protected async writeIndexRecord (next: IndexRecord, previous: IndexRecord | undefined): Promise<void> {
    const ops: BatchOp[] = []
    if (previous !== undefined) {
      const keep = new Set(next.shardKeys)
      if (previous.indexCid !== next.indexCid) ops.push({ type: 'del', key: INDEX_CID + previous.indexCid })
      for (const key of previous.shardKeys) {
        if (!keep.has(key)) ops.push({ type: 'del', key: refKey(key, previous.digest) })
      }
    }
    ops.push({ type: 'put', key: INDEX + next.digest, value: next.bytes })
    ops.push({ type: 'put', key: INDEX_CID + next.indexCid, value: encodeText(next.digest) })
    for (const key of next.shardKeys) ops.push({ type: 'put', key: refKey(key, next.digest), value: EMPTY })
    await this.requireDb().batch(ops)
  }

  protected async removeIndexRecord (record: IndexRecord): Promise<void> {
    const ops: BatchOp[] = [
      { type: 'del', key: INDEX + record.digest },
      { type: 'del', key: INDEX_CID + record.indexCid },
      ...record.shardKeys.map((key): BatchOp => ({ type: 'del', key: refKey(key, record.digest) }))
    ]
    await this.requireDb().batch(ops)
  }

  protected async digestOfIndexCid (indexCid: string): Promise<string | undefined> {
    const value = await this.requireDb().get(INDEX_CID + indexCid)
    return value === undefined ? undefined : decodeText(value)
  }

  protected async * indexEntries (): AsyncGenerator<{ digest: string, indexCid: string }> {
    for await (const [key, value] of this.requireDb().iterator(prefixRange(INDEX_CID))) {
      yield { digest: decodeText(value), indexCid: key.slice(INDEX_CID.length) }
    }
  }

  protected async isReferenced (key: string): Promise<boolean> {
    const keys = await this.requireDb().keys({ ...prefixRange(`${REF}${key}!`), limit: 1 }).all()
    return keys.length > 0
  }
}
