/**
 * The fetch scheduler: gets every missing shard of a blob from several peers
 * at once. Holders come from DHT provider records and their have-maps,
 * refreshed while the fetch runs. The rarest shards go first (ties broken by
 * a per-fetch random order, so concurrent fetchers spread over different
 * shards and can serve each other), or in blob order for streaming. Each
 * shard goes to the free holder expected to deliver it soonest (measured RTT
 * and throughput, times its load); a slow request is hedged to a second
 * holder; a peer that fails is rested and the shard goes elsewhere; one that
 * sends bad bytes is penalised and dropped. Shards that no peer holds come
 * from the origin source. Every shard is verified against its CID before it
 * is stored, and the assembled blob against its digest.
 *
 * This file holds the blob-level loop (which index, the final digest check,
 * another peer's index after a mismatch); `fetch-shards.ts` is one fetch's
 * shard scheduler; `peer-slots.ts` the per-peer limit all fetches share.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { digestToCid } from '../shard/cid.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import type { Routing } from '../routing/index.js'
import type { ShardStore } from '../store/index.js'
import type { ExchangeClient } from './client.js'
import { BlobDigestMismatchError, FetchFailedError } from './errors.js'
import { Holders } from './holders.js'
import type { Incoming } from './incoming.js'
import type { PeerStats } from './peer-stats.js'
import { PeerSlots } from './peer-slots.js'
import { fetchShards } from './fetch-shards.js'

/** Where shards nobody holds come from: the origin registry, by HTTP Range. */
export type OriginSource = (req: { digest: string, ref: ShardRef }, options: { signal: AbortSignal }) => Promise<Uint8Array>

export type ShardSource = 'local' | 'peer' | 'origin'

export interface FetchOptions {
  signal?: AbortSignal
  /** An index to use (else the local one, or one from peers). */
  index?: ShardIndex
  /** `index` is trusted (the origin's referrer artifact): a peer whose have-map names another index is penalised. */
  trusted?: boolean
  /** `rarest` spreads load over the swarm; `sequential` favours blob order for streaming. @default 'rarest' */
  order?: 'rarest' | 'sequential'
  /** Called as each shard is stored. */
  onShard?: (ref: ShardRef, source: ShardSource, peer?: string) => void
  /** Where shards no peer holds come from for this fetch (the registry mirror names the origin and repository per request). @default the fetcher's `origin` */
  origin?: OriginSource
}

export interface FetchResult {
  digest: string
  sizeBytes: number
  ms: number
  bytesBySource: Record<ShardSource, number>
  bytesByPeer: Record<string, number>
  hedged: number
  retries: number
  /** Requests a holder answered by pointing at a peer it had just sent the shard to. */
  handedOff: number
}

export interface FetcherComponents {
  client: ExchangeClient
  routing: Routing
  store: ShardStore
  stats: PeerStats
  logger: Logger
  /** Where the server learns which shards are on their way in. */
  incoming?: Incoming
}

export interface FetcherInit {
  origin?: OriginSource
  streamsPerPeer?: number
  streamsTotal?: number
  originStreams?: number
  haveRefreshMs?: number
  providerLookupMs?: number
}

export class Fetcher {
  /** Request slots per peer, shared by every fetch of this node. */
  private readonly slots = new PeerSlots()

  constructor (private readonly components: FetcherComponents, private readonly init: FetcherInit = {}) {}

  async fetch (digest: string, options: FetchOptions = {}): Promise<FetchResult> {
    const started = performance.now()
    const layerCid = digestToCid(digest)
    const { store, logger } = this.components
    const holders = new Holders()
    let index = options.index ?? await store.getIndex(digest)
    let indexFrom: string | undefined
    const tried = new Set<string>()
    for (let round = 0; ; round++) {
      if (index == null) {
        const got = await this.indexFromPeers(digest, holders, tried, options.signal)
        if (got == null) throw new FetchFailedError(`no shard index for ${digest}: no provider has one`)
        index = got.index
        indexFrom = got.peer
      }
      await store.putIndex(index)
      this.components.routing.provide(layerCid)
      const result = await fetchShards({ components: this.components, init: this.init, slots: this.slots }, index, holders, options, started)
      if (await this.verifyBlob(index, options.signal)) {
        logger.debug({ digest, ms: result.ms, bySource: result.bytesBySource }, 'blob fetched')
        return result
      }
      await store.deleteBlob(digest)
      const msg = `blob ${digest} assembled from the index of ${indexFrom ?? 'the caller or the local store'} does not match its digest`
      if (indexFrom == null || round >= 2) throw new BlobDigestMismatchError(msg)
      logger.warn({ digest, peer: indexFrom }, msg + '; penalising the peer and trying another index')
      this.components.stats.penalise(indexFrom)
      const h = holders.peers.get(indexFrom)
      if (h != null) h.dropped = true
      index = undefined
    }
  }

  /** A blob's shard index from the nearest provider that has one (untrusted until the blob checks out). */
  async findIndex (digest: string, options: { signal?: AbortSignal } = {}): Promise<{ index: ShardIndex, peer: string } | undefined> {
    return await this.indexFromPeers(digest, new Holders(), new Set(), options.signal)
  }

  private async indexFromPeers (digest: string, holders: Holders, tried: Set<string>, signal?: AbortSignal): Promise<{ index: ShardIndex, peer: string } | undefined> {
    const providers = await this.components.routing.findProviders(digestToCid(digest), { signal })
    const ranked = providers
      .filter(p => !tried.has(p.id.toString()) && !this.components.stats.isBanned(p.id.toString()))
      .sort((a, b) => this.components.stats.get(a.id.toString()).rttMs - this.components.stats.get(b.id.toString()).rttMs)
    for (const p of ranked) {
      const key = p.id.toString()
      tried.add(key)
      holders.upsert(p.id)
      try {
        const index = await this.components.client.getIndex(p.id, digest, { signal })
        if (index != null) return { index, peer: key }
      } catch (err) {
        if (signal?.aborted === true) throw err
        this.components.logger.debug({ peer: key, digest, err: (err as Error).message }, 'index request failed')
        if ((err as Error).name === 'InvalidIndexError' || (err as Error).name === 'ProtocolError') this.components.stats.penalise(key)
      }
    }
    return undefined
  }

  private async verifyBlob (index: ShardIndex, signal?: AbortSignal): Promise<boolean> {
    const hash = createHash('sha256')
    // Every shard was verified against its CID on arrival: only the digest is left to check.
    for await (const buf of this.components.store.readBlob(index.digest, { signal, verify: false })) hash.update(buf)
    return 'sha256:' + hash.digest('hex') === index.digest
  }
}
