/** The narrow views of the rest of the daemon that the mirror works through. */
import type { CID } from '../shard/cid.js'
import type { ShardIndex } from '../shard/types.js'
import type { FetchOptions, FetchResult, GrowingFetchOptions } from '../exchange/index.js'
import type { UsageEvent } from '../usage/index.js'

/** The origin registries (implemented by `OriginClient`). Every call names the registry host. */
export interface OriginRegistry {
  headManifest (host: string, repo: string, ref: string, options?: { signal?: AbortSignal }): Promise<{ digest: string, mediaType: string, sizeBytes: number }>
  getManifest (host: string, repo: string, ref: string, options?: { signal?: AbortSignal }): Promise<{ bytes: Uint8Array, mediaType: string, digest: string }>
  headBlob (host: string, repo: string, digest: string, options?: { signal?: AbortSignal }): Promise<{ sizeBytes: number }>
  getBlob (host: string, repo: string, digest: string, options?: { signal?: AbortSignal }): Promise<{ sizeBytes: number, body: AsyncIterable<Uint8Array> }>
  getRange (host: string, repo: string, digest: string, offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Uint8Array>
}

/** The swarm side: indexes and shards from peers, and announcements. */
export interface MirrorSwarm {
  /** A blob's shard index from a peer (not yet trusted: the blob's digest check decides). */
  findIndex (digest: string, options: { signal?: AbortSignal, timeoutMs?: number }): Promise<{ index: ShardIndex, peer: string } | undefined>
  /** Fetch the missing shards of a blob into the store. */
  fetch (digest: string, options: FetchOptions): Promise<FetchResult>
  /** Announce a CID in the DHT (never throws). */
  provide (cid: CID, priority?: 'high' | 'low'): void
  /** A peer gave us data that failed a check. */
  penalise (peer: string, reason: string): void
  /**
   * When another host is streaming this blob from the origin, wait for it to
   * finish and return the index it made (and who has the shards). Undefined
   * when nobody is, or the wait runs out: then fetch from the origin.
   */
  followOrigin? (digest: string, options: { signal?: AbortSignal }): Promise<{ index: ShardIndex, peer: string } | undefined>
  /** Tell the swarm this host is streaming a blob from the origin (`done` false) or has it whole (true). */
  claimOrigin? (digest: string, done: boolean): void
  /** The peer streaming this blob from the origin now (by its claim), if another is. */
  streamingPeer? (digest: string): string | undefined
  /** Fetch a blob while `peer` streams it from the origin, learning its shards as they are cut. */
  fetchGrowing? (digest: string, peer: string, options: GrowingFetchOptions): Promise<FetchResult>
}

/** Where an origin request goes: the registry host and the repository on it. */
export interface OriginTarget {
  /** Undefined when the request named no origin and there is no default. */
  host: string | undefined
  name: string
}

/** What the mirror records about each manifest and blob it serves: the usage log's event. */
export type ServedEvent = UsageEvent

export interface UsageRecorder {
  record (event: ServedEvent): void
}

/**
 * What the mirror asks of the threat guard (`ThreatGuard` implements it):
 * refuse quarantined blobs, and judge a blob before it is served whole.
 */
export interface BlobGuard {
  /** True when blobs must be judged before they are served whole (a malware list or block levels are set). */
  readonly gating: boolean
  /** The quarantine record of a refused blob. */
  quarantined (digest: string): Promise<{ reason: string } | undefined>
  /** Judge a stored blob; throws `QuarantinedError` (and deletes it) when it must not be served. */
  admit (digest: string, signal?: AbortSignal): Promise<unknown>
  /** Scan a stored blob in the background. */
  enqueue (digest: string): boolean
}
