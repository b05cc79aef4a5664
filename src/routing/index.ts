/**
 * Routing: who holds what. A daemon announces (provides) every layer CID and
 * shard CID it stores, through a bounded queue that removes duplicates and
 * runs a few announcements at once, and announces them all again on an
 * interval. Lookups return the peers that announced a CID, with a timeout.
 *
 * `DhtRouting` runs on the private kad-dht; `MemoryRouting` is its in-memory
 * twin for tests of the exchange and the fetch scheduler.
 */
import type { CID } from 'multiformats/cid'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ProviderInfo {
  id: PeerId
  multiaddrs: Multiaddr[]
}

export interface FindProvidersOptions {
  signal?: AbortSignal
  /** @default FIND_PROVIDERS_TIMEOUT_MS */
  timeoutMs?: number
  /** @default FIND_PROVIDERS_LIMIT */
  limit?: number
}

export interface Routing {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Queue an announcement. Returns at once; throws ProvideQueueFullError when
   * the queue is full. `low` is for shard CIDs: they go after every `high` one.
   */
  provide(cid: CID, priority?: 'high' | 'low'): void
  /** Resolves when every queued announcement has been tried. */
  flush(options?: { signal?: AbortSignal }): Promise<void>
  /** Peers (other than this one) that announced `cid`. */
  findProviders(cid: CID, options?: FindProvidersOptions): Promise<ProviderInfo[]>
  stats(): RoutingStats
}

export interface RoutingStats {
  queued: number
  provided: number
  failed: number
  reprovideRuns: number
}

export { DhtRouting, type DhtRoutingInit, type DhtRoutingComponents } from './dht-routing.js'
export { MemoryRouting, MemoryRoutingNetwork } from './memory-routing.js'
export { ProvideQueueFullError } from './errors.js'
