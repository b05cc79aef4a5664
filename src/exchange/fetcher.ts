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
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import type { Routing } from '../routing/index.js'
import type { ShardStore } from '../store/index.js'
import type { ExchangeClient } from './client.js'
import { BlobDigestMismatchError, FetchFailedError, ProtocolError } from './errors.js'
import { Holders } from './holders.js'
import type { Incoming } from './incoming.js'
import type { PeerStats } from './peer-stats.js'
import { PeerSlots } from './peer-slots.js'
import { fetchShards } from './fetch-shards.js'
import { GROWING_TAIL_ATTEMPTS, PARTIAL_WAIT_MS } from './constants.js'

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
  /** Peers known to hold the blob or part of it (say, the one that gave its index): asked for their have-maps at once, before any DHT lookup answers. */
  providers?: string[]
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

export interface GrowingFetchOptions extends FetchOptions {
  /** Called as the source lists more shards (in blob order), with the blob's declared size. */
  onRefs?: (refs: ShardRef[], sizeBytes: number) => void
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
    for (const p of options.providers ?? []) {
      try { holders.upsert(peerIdFromString(p)) } catch { logger.debug({ peer: p }, 'ignored a provider hint that is not a peer id') }
    }
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

  /**
   * Fetch a blob that `source` is streaming from the origin now, while it
   * does: its index is asked for again and again (each answer lists the
   * shards cut since the last), and each listed shard is fetched from the
   * source, or from a peer it has already passed it on to (hand-offs), as
   * soon as it is listed. So a follower trails the source by about a round
   * trip and a shard, instead of waiting for the whole blob. The source's
   * listing is untrusted like any peer's index: every shard is checked
   * against its CID, the final index against the listing, and the blob
   * against its digest.
   */
  async fetchGrowing (digest: string, source: PeerId, options: GrowingFetchOptions = {}): Promise<FetchResult> {
    const started = performance.now()
    const { client, store, stats, routing, logger } = this.components
    const key = source.toString()
    const refs: ShardRef[] = []
    let end = 0
    let sizeBytes: number | undefined
    let whole: ShardIndex | undefined
    const holders = new Holders()
    let failures = 0
    const next = async (signal: AbortSignal): Promise<{ refs: ShardRef[], done: boolean }> => {
      for (;;) {
        let tail
        try {
          tail = await client.getIndexTail(source, digest, refs.length, PARTIAL_WAIT_MS, { signal })
          failures = 0
        } catch (err) {
          // A late or reset answer on a busy link: ask again (the shards listed so far are still being fetched).
          if (signal.aborted || (err as Error).name === 'ProtocolError' || (err as Error).name === 'PeerStatusError' || ++failures >= GROWING_TAIL_ATTEMPTS) throw err
          logger.debug({ digest, peer: key, err: (err as Error).message }, 'partial index request failed; asking again')
          continue
        }
        if (tail == null) throw new FetchFailedError(`peer ${key} no longer streams ${digest} and has no index of it`)
        if (tail.kind === 'whole') {
          const { index } = tail
          const differs = refs.findIndex((r, i) => !sameRef(r, index.shards[i]))
          if (differs >= 0 || (sizeBytes !== undefined && index.size !== sizeBytes)) {
            stats.penalise(key)
            throw new ProtocolError(`peer ${key}'s index of ${digest} disagrees with the shards it listed while streaming it (${differs >= 0 ? `shard ${differs}` : 'size'})`)
          }
          whole = index
          const rest = index.shards.slice(refs.length)
          refs.push(...rest)
          options.onRefs?.(rest, index.size)
          return { refs: rest, done: true }
        }
        if (sizeBytes === undefined) sizeBytes = tail.sizeBytes
        else if (tail.sizeBytes !== sizeBytes) throw new ProtocolError(`peer ${key} declared ${digest} as ${sizeBytes} and then ${tail.sizeBytes} bytes`)
        const add = tail.shards.map(s => {
          const ref = { cid: s.cid, offset: end, length: s.length }
          end += s.length
          return ref
        })
        if (end > sizeBytes) throw new ProtocolError(`peer ${key} listed ${end} bytes of shards for ${digest}, declared as ${sizeBytes} bytes`)
        if (add.length > 0) {
          refs.push(...add)
          options.onRefs?.(add, sizeBytes)
          return { refs: add, done: false }
        }
      }
    }
    const empty: ShardIndex = { digest, size: 0, chunker: { name: '', minBytes: 0, avgBytes: 0, maxBytes: 0 }, shards: [] }
    const result = await fetchShards({ components: this.components, init: this.init, slots: this.slots }, empty, holders, options, started, { next, source: holders.upsert(source) })
    if (whole == null) throw new FetchFailedError(`the fetch of ${digest} from ${key} ended without its index`)
    result.sizeBytes = whole.size
    await store.putIndex(whole)
    if (!await this.verifyBlob(whole, options.signal)) {
      await store.deleteBlob(digest)
      stats.penalise(key)
      throw new BlobDigestMismatchError(`blob ${digest} assembled from the shards ${key} listed does not match its digest`)
    }
    routing.provide(digestToCid(digest))
    logger.debug({ digest, ms: result.ms, bySource: result.bytesBySource, handedOff: result.handedOff }, 'growing blob fetched')
    return result
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

function sameRef (a: ShardRef, b: ShardRef | undefined): boolean {
  return b != null && a.offset === b.offset && a.length === b.length && a.cid.equals(b.cid)
}
