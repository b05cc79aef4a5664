/**
 * The shard store: a node's local copy of shards and of the shard indexes that
 * say how shards make up blobs. The exchange serves shards, have-maps and
 * indexes out of it, the fetch scheduler and mirror put verified shards into it
 * and stream blobs back out, routing announces what it adds (`shard:added`),
 * and eviction removes what it should no longer keep. Every shard is checked
 * against its CID before it is stored, and again when it is read back.
 *
 * `createFsStore` is the real one: one file per shard under
 * `<dir>/shards/<2 hex>/<cid>` (written to `<dir>/tmp/`, synced, renamed), and
 * metadata in LevelDB at `<dir>/meta`; files and metadata are reconciled on
 * start. `createMemoryStore` is an in-memory twin with the same behaviour,
 * for tests of other subsystems. Both pass `test/store/conformance.ts`.
 */
import { FsStore } from './fs-store.js'
import { MemoryStore } from './memory-store.js'
import type { CID } from '../shard/cid.js'
import type { ChunkerInit } from '../shard/params.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import type { ShardHasher } from '../shard/hasher.js'

export * from './errors.js'
export * from './constants.js'
export { bitmapHas } from './have-map.js'
export type { FsStore } from './fs-store.js'
export type { MemoryStore } from './memory-store.js'
export type { ReconcileReport } from './reconcile.js'

export interface AbortOptions {
  signal?: AbortSignal
}

/** Narrow logger, pino's calling convention (context object, then message); a pino child logger fits. */
export interface StoreLogger {
  debug (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface StoreComponents {
  /** @default warnings and errors to `console`, debug dropped */
  logger?: StoreLogger
}

export interface ShardStoreInit {
  /** Most bytes of shards to hold; `put` throws `StoreFullError` beyond it. 0 or Infinity: unlimited. @default Infinity */
  capacityBytes?: number
  /** Largest shard `put` accepts; `ShardTooLargeError` above. @default MAX_SHARD_BYTES (16 MiB) */
  maxShardBytes?: number
  /** Decoded shard indexes cached in memory. @default INDEX_CACHE_SIZE (64) */
  indexCacheSize?: number
  /** Hash every shard read by `get`/`readBlob`; a corrupt one is removed and reported as not found. @default true */
  verifyOnRead?: boolean
}

export interface FsStoreInit extends ShardStoreInit {
  /** The data directory; created if missing. Holds `shards/`, `tmp/` and `meta/`. */
  dir: string
  /** fsync each shard file and its directory before the rename is trusted. @default true */
  sync?: boolean
  /** On start, hash every shard file, not only those without metadata. @default false */
  verifyOnStart?: boolean
  /** How often shard access times are written to LevelDB (also on stop). @default ACCESS_FLUSH_INTERVAL_MS (1 minute) */
  accessFlushIntervalMs?: number
}

export interface ShardInfo {
  cid: CID
  sizeBytes: number
  /** Milliseconds since the epoch. */
  addedAtMs: number
  /** Last `get` (or the add), ms since the epoch. Persisted every `accessFlushIntervalMs` and on stop. */
  lastAccessMs: number
}

export interface StoreStat {
  shards: number
  usedBytes: number
  /** Infinity when unlimited. */
  capacityBytes: number
  /** Blobs with a stored shard index (complete or not). */
  blobs: number
}

export interface BlobInfo {
  digest: string
  indexCid: CID
  sizeBytes: number
  /** Shards in the index. */
  shards: number
  /** Of those, how many the store holds. */
  heldShards: number
  heldBytes: number
  complete: boolean
}

export interface IndexEntry {
  digest: string
  indexCid: CID
}

/**
 * Which shards of a blob this node holds. Bit i is shard i of the index:
 * byte `i >> 3`, bit `i & 7`, least significant bit first within each byte
 * (`bitmap[i >> 3] & (1 << (i & 7))`). Trailing bits of the last byte are 0.
 */
export interface HaveMap {
  indexCid: CID
  shards: number
  bitmap: Uint8Array
}

export interface GetOptions extends AbortOptions {
  /**
   * Hash the bytes against the CID (when the store verifies on read). Pass
   * false only right after the same shard was verified, e.g. to check a blob's
   * digest over shards just fetched. @default true
   */
  verify?: boolean
}

export interface PutOptions extends AbortOptions {
  /** The caller has just hashed these very bytes against the CID: skip the second hash. @default false */
  verified?: boolean
}

export interface ReadBlobOptions extends GetOptions {
  /** First byte to read. @default 0 */
  offset?: number
  /** Bytes to read. @default to the end of the blob */
  length?: number
}

export interface AddBlobOptions extends AbortOptions {
  /** Chunker parameters (an index's `chunker` may be passed as is). @default the chunker's defaults */
  chunker?: ChunkerInit
  /** When set, the blob must hash to it; otherwise `BlobDigestMismatchError` and no index is stored. */
  expectedDigest?: string
  /** Called once per shard, in order, as soon as it is stored (`added` false when it was already held). */
  onShard?: (ref: ShardRef, added: boolean) => void
  /** Hashes the shards (a started `WorkerHasher` moves it off this thread). @default hashing inline */
  hasher?: ShardHasher
}

export interface StoreEvents {
  'shard:added': { cid: CID, sizeBytes: number }
  'shard:removed': { cid: CID, sizeBytes: number, reason: 'deleted' | 'blob-deleted' | 'corrupt' | 'missing' }
  'index:added': { digest: string, indexCid: CID }
  'index:removed': { digest: string, indexCid: CID }
}

export type StoreListener<K extends keyof StoreEvents> = (detail: StoreEvents[K]) => void

export interface ShardStore {
  /** Open and reconcile. Safe to call twice. */
  start (): Promise<void>
  /** Wait for in-flight operations, persist access times, close. Safe to call twice. */
  stop (): Promise<void>

  has (cid: CID): Promise<boolean>
  /** From the in-memory set: for have-maps and hot paths. */
  hasSync (cid: CID): boolean
  /** The verified bytes. Throws `ShardNotFoundError`. */
  get (cid: CID, opts?: GetOptions): Promise<Uint8Array>
  /**
   * Verify, then store durably. Returns false when already held (concurrent
   * puts of one CID store and count it once). Throws `ShardVerificationError`,
   * `ShardTooLargeError`, `StoreFullError`.
   */
  put (cid: CID, bytes: Uint8Array, opts?: PutOptions): Promise<boolean>
  /** Returns false when not held. Indexes that list the shard are kept. */
  delete (cid: CID, opts?: AbortOptions): Promise<boolean>
  shardInfo (cid: CID): ShardInfo | undefined
  /** A snapshot of every held shard (for eviction). */
  listShards (): Iterable<ShardInfo>
  stat (): StoreStat

  /** Validate and store an index, keyed by its digest and its CID; replaces an older index of the digest. Returns the index CID. */
  putIndex (index: ShardIndex, opts?: AbortOptions): Promise<CID>
  getIndex (digest: string, opts?: AbortOptions): Promise<ShardIndex | undefined>
  getIndexByCid (indexCid: CID, opts?: AbortOptions): Promise<ShardIndex | undefined>
  listIndexes (opts?: AbortOptions): AsyncIterable<IndexEntry>
  listBlobs (opts?: AbortOptions): AsyncIterable<BlobInfo>
  /** Index present and every shard held. */
  hasBlob (digest: string, opts?: AbortOptions): Promise<boolean>
  /** Throws `BlobNotFoundError` without an index. */
  missingShards (digest: string, opts?: AbortOptions): Promise<ShardRef[]>
  /** Throws `BlobNotFoundError` without an index. */
  haveMap (digest: string, opts?: AbortOptions): Promise<HaveMap>
  /**
   * Stream a blob (or a byte range of it) shard by shard, one shard in memory
   * at a time. Errors (`BlobNotFoundError`, `InvalidRangeError`, and
   * `ShardNotFoundError` when a shard of the range is not held) surface on the
   * first iteration, before any byte; a shard removed mid-stream fails there.
   */
  readBlob (digest: string, opts?: ReadBlobOptions): AsyncIterable<Uint8Array>
  /**
   * Remove a blob's index, then each of its shards that no other stored index
   * lists. Shards listed by another index stay. Returns false when no index.
   */
  deleteBlob (digest: string, opts?: AbortOptions): Promise<boolean>
  /** Chunk a stream, store each shard as it comes, then store and return the index. Streams: one shard in memory at a time. */
  addBlob (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts?: AddBlobOptions): Promise<ShardIndex>

  /** Subscribe; returns the unsubscribe function. Listeners run synchronously after the change. */
  on<K extends keyof StoreEvents> (event: K, listener: StoreListener<K>): () => void
}

/** The file store; its `lastReconcile` says what the last start repaired. */
export function createFsStore (init: FsStoreInit, components: StoreComponents = {}): FsStore {
  return new FsStore(init, components)
}

export function createMemoryStore (init: ShardStoreInit = {}, components: StoreComponents = {}): MemoryStore {
  return new MemoryStore(init, components)
}
