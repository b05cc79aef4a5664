/**
 * What a running daemon offers its admin API (and so the CLI). The admin
 * server depends only on this interface; tests can pass a fake.
 */
import type { FetchResult } from '../exchange/index.js'
import type { UsageEvent } from '../usage/index.js'
import type { ImageScan, LayerScan } from '../threat/scan/index.js'
import type { QuarantineRecord } from '../threat/scan/scan-cache.js'
import type { QuorumApi, TargetFilter, TargetRow } from '../quorum/api.js'
import type { PriorityRound, RoundQuery } from '../predict/service/index.js'

export type { UsageEvent } from '../usage/index.js'
export type { ImageScan, LayerScan, QuarantineRecord }
export type { PriorityRound, PriorityRow, RoundQuery } from '../predict/service/index.js'

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

/** `GET /v1/quorum/targets`: the committed targets, or when no seed answers, the latest this daemon heard. */
export interface TargetsAnswer {
  /** `quorum`: a linearizable read through the leader; `gossip`: the table heard on `shoal/targets/1`, perhaps stale. */
  source: 'quorum' | 'gossip'
  targets: TargetRow[]
  /** With `gossip`: why the quorum did not answer. */
  unavailable?: string
  /** With `gossip`: the highest log index heard, and when (ms since the epoch); 0 when nothing was heard. */
  heardIndex?: number
  heardAtMs?: number
}

/**
 * The replica quorum as the daemon offers it: `QuorumApi` (a seed's Raft
 * node, or on other daemons a client of the seeds), and the targets heard on
 * gossip for when no seed answers.
 */
export interface DaemonQuorumApi extends QuorumApi {
  targetsOrHeard (filter?: TargetFilter & { signal?: AbortSignal }): Promise<TargetsAnswer>
}

/** The daemon's priority per layer (`PriorityService` implements it): the last scoring round. */
export interface PriorityApi {
  /** The last round, its layers with demand in `region` when given, the first `top` (default 20). */
  round (query?: RoundQuery): Promise<PriorityRound>
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
  /** The replica quorum; undefined when the daemon runs without one (no seeds named, or `--quorum off`). */
  readonly quorum?: DaemonQuorumApi
  /** Layer priorities; undefined when the daemon runs with `--priority off`. */
  readonly priority?: PriorityApi
}
