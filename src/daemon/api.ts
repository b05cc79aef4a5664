/**
 * What a running daemon offers its admin API (and so the CLI). The admin
 * server depends only on this interface; tests can pass a fake.
 */
import type { FetchResult } from '../exchange/index.js'
import type { UsageEvent } from '../usage/index.js'
import type { ImageScan, LayerScan } from '../threat/scan/index.js'
import type { QuarantineRecord } from '../threat/scan/scan-cache.js'

export type { UsageEvent } from '../usage/index.js'
export type { ImageScan, LayerScan, QuarantineRecord }

/**
 * The threat operations (`ThreatService` implements them; the CLI calls
 * them over the admin API, or on the data directory itself when no daemon
 * runs). Feed results are the feed store's JSON records.
 */
export interface ThreatApi {
  listFeeds (): Promise<unknown>
  /** `source`: an absolute path or an http(s) URL, read by the daemon. */
  addFeed (input: { source: string, kind?: string, name?: string, signal?: AbortSignal }): Promise<unknown>
  updateFeeds (input: { name?: string, signal?: AbortSignal }): Promise<unknown>
  removeFeed (name: string): Promise<unknown>
  /** `target`: an absolute path (layer file or OCI layout) or an image reference. */
  scan (target: string, options: { platform?: string, signal?: AbortSignal }): Promise<ImageScan>
  score (digest: string, signal?: AbortSignal): Promise<LayerScan | undefined>
  quarantine (): Promise<QuarantineRecord[]>
  release (digest: string): Promise<boolean>
}

export interface PeerRow {
  peerId: string
  region?: string
  addresses: string[]
  rttMs?: number
  sentBytes: number
  receivedBytes: number
  connected: boolean
  penalty: number
}

export interface ShardRow {
  cid: string
  sizeBytes: number
  /** Blob digest and position, when listed by a stored index. */
  layer?: string
  position?: number
  held: boolean
  /** Peers announcing this shard in the DHT (only with `providers: true`). */
  providers?: string[]
}

export interface BlobRow {
  digest: string
  sizeBytes: number
  shards: number
  heldShards: number
  complete: boolean
  indexCid: string
}

export interface AddResult {
  digest: string
  sizeBytes: number
  shards: number
  indexCid: string
}

export interface DaemonStatus {
  peerId: string
  region: string
  listen: string[]
  /** The registry mirror's URL, or null when it is off. */
  mirror: string | null
  connections: number
  store: { shards: number, usedBytes: number, capacityBytes: number | null, blobs: number }
  routing: { queued: number, provided: number, failed: number }
  served: { shards: number, bytes: number, busy: number }
  uptimeMs: number
}

export interface DaemonApi {
  status(): Promise<DaemonStatus>
  peers(): Promise<PeerRow[]>
  blobs(): Promise<BlobRow[]>
  /** Shards held locally (all, or of one layer) and, with `providers`, who announces them in the DHT. */
  shards(options: { layer?: string, providers?: boolean, signal?: AbortSignal }): Promise<ShardRow[]>
  /** Chunk, store and announce a blob streamed in. `expectedDigest` is checked when given. */
  add(source: AsyncIterable<Uint8Array>, options: { expectedDigest?: string, signal?: AbortSignal }): Promise<AddResult>
  /** Fetch a blob through the swarm (and origin, when configured) into the local store. */
  fetch(digest: string, options: { signal?: AbortSignal }): Promise<FetchResult>
  /** Stream a locally complete blob. Throws BlobNotFoundError. */
  read(digest: string, options: { offset?: number, length?: number, signal?: AbortSignal }): AsyncIterable<Uint8Array>
  /** Prometheus text exposition. */
  metrics(): Promise<string>
  /** The newest usage events (manifests and blobs the mirror served), newest last; `limit` 1 to 10000, default 100. */
  usage(options: { limit?: number, sinceMs?: number, signal?: AbortSignal }): Promise<UsageEvent[]>
  /** Threat feeds, scans, scores and the quarantine; undefined when the daemon runs with threat scanning off. */
  readonly threat?: ThreatApi
}
