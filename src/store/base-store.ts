/**
 * Behaviour shared by the file and memory stores: lifecycle, verification,
 * capacity accounting, per-key serialisation, events, and everything about
 * blobs (indexes, have-maps, ranges). Subclasses supply only storage
 * primitives, so both stores behave the same by construction.
 *
 * The in-memory shard table (`meta`) is authoritative while started: `has` and
 * `stat` never touch the disk. It is rebuilt from storage on every start.
 */
import { ShardVerificationError, ShardNotFoundError, ShardTooLargeError, StoreClosedError, StoreFullError, InvalidStoreOptionError } from './errors.js'
import { MAX_SHARD_BYTES, INDEX_CACHE_SIZE } from './constants.js'
import { KeyedLock } from './keyed-lock.js'
import { Lru } from './lru.js'
import { StoreEventHub } from './events.js'
import { shardKey } from './shard-key.js'
import { parseCid, shardCid, verifyShard } from '../shard/cid.js'
import { decodeIndex, encodeIndex } from '../shard/index-codec.js'
import type { CID } from '../shard/cid.js'
import type { ShardIndex } from '../shard/types.js'
import type {
  AbortOptions, GetOptions, PutOptions, ShardInfo, ShardStoreInit, StoreComponents, StoreEvents, StoreListener, StoreLogger, StoreStat
} from './index.js'

export interface ShardMeta {
  sizeBytes: number
  addedAtMs: number
  lastAccessMs: number
}

export interface OpenState {
  shards: Map<string, ShardMeta>
  blobs: number
}

/** An index as stored: its encoding, its CID, and the keys of its distinct shards. */
export interface IndexRecord {
  digest: string
  indexCid: string
  bytes: Uint8Array
  shardKeys: string[]
}

/** A decoded index with what the hot paths need precomputed. */
export interface LoadedIndex {
  index: ShardIndex
  indexCid: CID
  /** The key of shard i ('' when its CID is not a shard CID: then never held). */
  keys: string[]
  record: IndexRecord
}

const defaultLogger: StoreLogger = {
  debug: () => {},
  warn: (obj, msg) => { console.warn(`shoal:store: ${msg}`, obj) },
  error: (obj, msg) => { console.error(`shoal:store: ${msg}`, obj) }
}

type State = 'stopped' | 'starting' | 'started' | 'stopping'

export function checkInit (init: ShardStoreInit, allowed: readonly string[]): void {
  const known = new Set(['capacityBytes', 'maxShardBytes', 'indexCacheSize', 'verifyOnRead', ...allowed])
  for (const key of Object.keys(init)) {
    if (!known.has(key)) throw new InvalidStoreOptionError(`unknown store option "${key}"; known options: ${[...known].join(', ')}`)
  }
  const nonNegative = (name: string, value: number | undefined, integer: boolean): void => {
    if (value === undefined) return
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (integer && !Number.isSafeInteger(value))) {
      throw new InvalidStoreOptionError(`store option ${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(value)}`)
    }
  }
  nonNegative('capacityBytes', init.capacityBytes, false)
  nonNegative('maxShardBytes', init.maxShardBytes, true)
  nonNegative('indexCacheSize', init.indexCacheSize, true)
}

export abstract class BaseStore {
  protected readonly logger: StoreLogger
  protected readonly capacityBytes: number
  protected readonly maxShardBytes: number
  private readonly verifyOnRead: boolean
  private meta = new Map<string, ShardMeta>()
  private usedBytes = 0
  private reservedBytes = 0
  private blobs = 0
  private readonly accessDirty = new Set<string>()
  private readonly shardLocks = new KeyedLock()
  protected readonly blobLocks = new KeyedLock()
  protected readonly indexCache: Lru<string, LoadedIndex>
  private readonly events: StoreEventHub
  private readonly inflight = new Set<Promise<unknown>>()
  private state: State = 'stopped'
  private transition?: Promise<void>

  constructor (init: ShardStoreInit, components: StoreComponents) {
    this.logger = components.logger ?? defaultLogger
    const cap = init.capacityBytes ?? Infinity
    this.capacityBytes = cap === 0 ? Infinity : cap
    this.maxShardBytes = init.maxShardBytes ?? MAX_SHARD_BYTES
    this.verifyOnRead = init.verifyOnRead ?? true
    this.indexCache = new Lru(init.indexCacheSize ?? INDEX_CACHE_SIZE)
    this.events = new StoreEventHub(this.logger)
  }

  // ---- storage primitives ----
  protected abstract open (): Promise<OpenState>
  protected abstract close (): Promise<void>
  /** undefined when the shard's bytes are gone. */
  protected abstract readShard (key: string, cid: CID, signal?: AbortSignal): Promise<Uint8Array | undefined>
  /** Durable once it resolves; on failure nothing is left under the shard's name. */
  protected abstract writeShard (key: string, cid: CID, bytes: Uint8Array, meta: ShardMeta, signal?: AbortSignal): Promise<void>
  protected abstract removeShard (key: string, cid: CID): Promise<void>
  protected abstract persistAccess (entries: Array<[string, ShardMeta]>): Promise<void>
  protected abstract readIndexBytes (digest: string): Promise<Uint8Array | undefined>
  protected abstract writeIndexRecord (next: IndexRecord, previous: IndexRecord | undefined): Promise<void>
  protected abstract removeIndexRecord (record: IndexRecord): Promise<void>
  protected abstract digestOfIndexCid (indexCid: string): Promise<string | undefined>
  protected abstract indexEntries (): AsyncIterable<{ digest: string, indexCid: string }>
  /** Does any stored index list this shard? */
  protected abstract isReferenced (key: string): Promise<boolean>

  // ---- lifecycle ----
  async start (): Promise<void> {
    while (this.state !== 'started') {
      if (this.state === 'stopped') {
        this.state = 'starting'
        this.transition = this.doStart()
      }
      await this.transition
    }
  }

  private async doStart (): Promise<void> {
    try {
      const opened = await this.open()
      this.meta = opened.shards
      this.blobs = opened.blobs
      this.usedBytes = 0
      for (const m of this.meta.values()) this.usedBytes += m.sizeBytes
      this.state = 'started'
    } catch (err) {
      this.state = 'stopped'
      throw err
    }
  }

  async stop (): Promise<void> {
    while (this.state !== 'stopped') {
      if (this.state === 'started') {
        this.state = 'stopping'
        this.transition = this.doStop()
        await this.transition // a failure to close is this caller's to see
      } else {
        // Someone else's start or stop: its caller sees its failure.
        await this.transition?.catch(() => {})
      }
    }
  }

  private async doStop (): Promise<void> {
    try {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
      await this.flushAccess()
      await this.close()
    } finally {
      this.meta = new Map()
      this.usedBytes = 0
      this.blobs = 0
      this.accessDirty.clear()
      this.indexCache.clear()
      this.state = 'stopped'
    }
  }

  /** Run an operation only while started; stop waits for it. */
  protected async track<T> (signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.state !== 'started') throw new StoreClosedError()
    signal?.throwIfAborted()
    const p = fn()
    this.inflight.add(p)
    try {
      return await p
    } finally {
      this.inflight.delete(p)
    }
  }

  protected assertStarted (): void {
    if (this.state !== 'started') throw new StoreClosedError()
  }

  /** Write access times changed since the last flush. Errors are logged: access times are advisory. */
  protected async flushAccess (): Promise<void> {
    if (this.accessDirty.size === 0) return
    const entries: Array<[string, ShardMeta]> = []
    for (const key of this.accessDirty) {
      const m = this.meta.get(key)
      if (m !== undefined) entries.push([key, { ...m }])
    }
    this.accessDirty.clear()
    try {
      await this.persistAccess(entries)
    } catch (err) {
      this.logger.error({ err, shards: entries.length }, 'could not persist shard access times')
    }
  }

  on<K extends keyof StoreEvents> (event: K, listener: StoreListener<K>): () => void {
    return this.events.on(event, listener)
  }

  protected emit<K extends keyof StoreEvents> (event: K, detail: StoreEvents[K]): void {
    this.events.emit(event, detail)
  }

  // ---- shards ----
  hasSync (cid: CID): boolean {
    this.assertStarted()
    const key = shardKey(cid)
    return key !== undefined && this.meta.has(key)
  }

  /** By key, for index paths (no CID parsing). */
  protected holds (key: string): boolean {
    return this.meta.has(key)
  }

  async has (cid: CID): Promise<boolean> {
    return this.hasSync(cid)
  }

  shardInfo (cid: CID): ShardInfo | undefined {
    this.assertStarted()
    const key = shardKey(cid)
    const m = key === undefined ? undefined : this.meta.get(key)
    return m === undefined ? undefined : { cid, ...m }
  }

  * listShards (): Iterable<ShardInfo> {
    this.assertStarted()
    // Map iteration tolerates changes between yields: removed entries are skipped.
    for (const [key, m] of this.meta) yield { cid: parseCid(key), ...m }
  }

  stat (): StoreStat {
    return { shards: this.meta.size, usedBytes: this.usedBytes, capacityBytes: this.capacityBytes, blobs: this.blobs }
  }

  async get (cid: CID, opts: GetOptions = {}): Promise<Uint8Array> {
    return this.track(opts.signal, async () => {
      const key = shardKey(cid)
      const m = key === undefined ? undefined : this.meta.get(key)
      if (key === undefined || m === undefined) throw new ShardNotFoundError(cid.toString())
      const bytes = await this.readShard(key, cid, opts.signal)
      if (bytes === undefined) {
        this.logger.warn({ cid: key }, 'shard was in the table but its bytes are gone; dropping it')
        await this.removeKey(key, cid, 'missing', m)
        throw new ShardNotFoundError(key)
      }
      if (this.verifyOnRead && opts.verify !== false && !verifyShard(cid, bytes)) {
        this.logger.warn({ cid: key }, 'shard failed verification on read; removing it')
        await this.removeKey(key, cid, 'corrupt', m)
        throw new ShardNotFoundError(key, `shard ${key} was corrupt in the store and has been removed`)
      }
      m.lastAccessMs = Date.now()
      this.accessDirty.add(key)
      return bytes
    })
  }

  async put (cid: CID, bytes: Uint8Array, opts: PutOptions = {}): Promise<boolean> {
    return this.track(opts.signal, async () => {
      const key = shardKey(cid)
      if (key === undefined) throw new ShardVerificationError(cid.toString(), `${cid.toString()} is not a shard CID (CIDv1, raw, sha2-256)`)
      if (bytes.byteLength > this.maxShardBytes) throw new ShardTooLargeError(key, bytes.byteLength, this.maxShardBytes)
      if (opts.verified !== true && !verifyShard(cid, bytes)) throw new ShardVerificationError(key, `shard bytes (${bytes.byteLength}) do not hash to ${key}`)
      return this.putVerified(key, cid, bytes, opts.signal)
    })
  }

  /** Store bytes already known to hash to `cid` (the chunker hashed them). */
  protected async putVerified (key: string, cid: CID, bytes: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    if (this.meta.has(key)) return false
    return this.shardLocks.run(key, async () => {
      if (this.meta.has(key)) return false
      signal?.throwIfAborted()
      const size = bytes.byteLength
      if (this.usedBytes + this.reservedBytes + size > this.capacityBytes) {
        throw new StoreFullError(size, this.usedBytes + this.reservedBytes, this.capacityBytes)
      }
      this.reservedBytes += size
      const now = Date.now()
      const m: ShardMeta = { sizeBytes: size, addedAtMs: now, lastAccessMs: now }
      try {
        await this.writeShard(key, cid, bytes, m, signal)
        this.meta.set(key, m)
        this.usedBytes += size
      } finally {
        this.reservedBytes -= size
      }
      this.emit('shard:added', { cid, sizeBytes: size })
      return true
    })
  }

  async delete (cid: CID, opts: AbortOptions = {}): Promise<boolean> {
    return this.track(opts.signal, async () => {
      const key = shardKey(cid)
      return key !== undefined && this.removeKey(key, cid, 'deleted')
    })
  }

  /** Remove a shard; with `only`, only if the table still holds that very entry. */
  protected async removeKey (key: string, cid: CID, reason: StoreEvents['shard:removed']['reason'], only?: ShardMeta): Promise<boolean> {
    return this.shardLocks.run(key, async () => {
      const m = this.meta.get(key)
      if (m === undefined || (only !== undefined && m !== only)) return false
      this.meta.delete(key)
      this.usedBytes -= m.sizeBytes
      this.accessDirty.delete(key)
      await this.removeShard(key, cid)
      this.emit('shard:removed', { cid, sizeBytes: m.sizeBytes, reason })
      return true
    })
  }

  // ---- indexes ----
  async putIndex (index: ShardIndex, opts: AbortOptions = {}): Promise<CID> {
    return this.track(opts.signal, async () => {
      // Encoding validates (InvalidIndexError); decoding the bytes gives a copy
      // the caller cannot change under the cache.
      const bytes = encodeIndex(index)
      const loaded = this.load(bytes, decodeIndex(bytes))
      const digest = loaded.index.digest
      return this.blobLocks.run(digest, async () => {
        const previous = await this.loadIndex(digest)
        if (previous?.indexCid.equals(loaded.indexCid) === true) return previous.indexCid
        await this.writeIndexRecord(loaded.record, previous?.record)
        this.indexCache.set(digest, loaded)
        if (previous === undefined) this.blobs++
        else this.emit('index:removed', { digest, indexCid: previous.indexCid })
        this.emit('index:added', { digest, indexCid: loaded.indexCid })
        return loaded.indexCid
      })
    })
  }

  /** `bytes` must be the canonical encoding of `index` (decodeIndex checks that): then its CID is theirs. */
  private load (bytes: Uint8Array, index: ShardIndex): LoadedIndex {
    const cid = shardCid(bytes)
    const keys = index.shards.map(ref => shardKey(ref.cid) ?? '')
    const shardKeys = [...new Set(keys)].filter(k => k !== '')
    return { index, indexCid: cid, keys, record: { digest: index.digest, indexCid: cid.toString(), bytes, shardKeys } }
  }

  /** The decoded index of a digest, through the cache. */
  protected async loadIndex (digest: string, cache = true): Promise<LoadedIndex | undefined> {
    const hit = this.indexCache.get(digest)
    if (hit !== undefined) return hit
    const bytes = await this.readIndexBytes(digest)
    if (bytes === undefined) return undefined
    const loaded = this.load(bytes, decodeIndex(bytes))
    if (cache) this.indexCache.set(digest, loaded)
    return loaded
  }

  /** Drop an index (under its blob lock). */
  protected async dropIndex (loaded: LoadedIndex): Promise<void> {
    await this.removeIndexRecord(loaded.record)
    this.indexCache.delete(loaded.index.digest)
    this.blobs--
    this.emit('index:removed', { digest: loaded.index.digest, indexCid: loaded.indexCid })
  }
}

/** A copy the caller may change without touching the cache. */
export function copyIndex (index: ShardIndex): ShardIndex {
  return { ...index, chunker: { ...index.chunker }, shards: index.shards.map(ref => ({ ...ref })) }
}
