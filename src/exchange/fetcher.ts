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
 */
import { createHash, randomInt } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import { digestToCid } from '../shard/cid.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import type { Routing } from '../routing/index.js'
import type { ShardStore } from '../store/index.js'
import type { ExchangeClient } from './client.js'
import {
  FETCH_STREAMS_PER_PEER, FETCH_STREAMS_TOTAL, HAVE_REFRESH_MS, HEDGE_FACTOR, HEDGE_MIN_MS,
  HANDOFF_RETRIES, HANDOFF_RETRY_MS, MAX_ATTEMPTS_PER_SHARD, NO_HOLDER_LOOKUPS, PEER_BACKOFF_MS, PROVIDER_LOOKUP_MS, SEED_COST_FACTOR
} from './constants.js'
import { BlobDigestMismatchError, FetchFailedError, type PeerStatusError } from './errors.js'
import { Holders, type Holder } from './holders.js'
import type { Incoming } from './incoming.js'
import type { PeerStats } from './peer-stats.js'
import { verifyShard } from '../shard/cid.js'

/** Where shards nobody holds come from: the origin registry, by HTTP Range. */
export type OriginSource = (req: { digest: string, ref: ShardRef }, options: { signal: AbortSignal }) => Promise<Uint8Array>

export type ShardSource = 'local' | 'peer' | 'origin'

export interface FetchOptions {
  signal?: AbortSignal
  /** A trusted index (e.g. from the origin's referrer artifact). Otherwise the local one, or one from peers. */
  index?: ShardIndex
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

interface Task {
  ref: ShardRef
  positions: number[]
  tieBreak: number
  attempts: number
  inflight: Map<string, AbortController>
  hedgeDue: boolean
  done: boolean
  tried: Set<string>
  /** Peers this shard was handed off to, and how often each answered NOT_FOUND (it may still be storing it). */
  handoffs: Map<string, number>
  notBeforeMs: number
  /** Registered with `incoming`. */
  begun: boolean
  stored: boolean
}

export class Fetcher {
  /**
   * Requests in flight to each peer over every fetch of this node: the
   * per-peer limit holds however many blobs are fetched at once (containerd
   * pulls several layers together), so concurrent fetches share a peer's
   * slots rather than overrun its server's limits and get BUSY.
   */
  private readonly peerLoad = new Map<string, number>()
  /** The schedulers of running fetches, woken when a peer slot frees up. */
  private readonly schedulers = new Set<() => void>()

  constructor (private readonly components: FetcherComponents, private readonly init: FetcherInit = {}) {}

  private load (peer: string): number {
    return this.peerLoad.get(peer) ?? 0
  }

  private acquire (peer: string): void {
    this.peerLoad.set(peer, this.load(peer) + 1)
  }

  private release (peer: string, self: () => void): void {
    const n = this.load(peer) - 1
    if (n <= 0) this.peerLoad.delete(peer)
    else this.peerLoad.set(peer, n)
    for (const s of this.schedulers) if (s !== self) s()
  }

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
      const result = await this.fetchShards(index, holders, options, started)
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

  private async fetchShards (index: ShardIndex, holders: Holders, options: FetchOptions, started: number): Promise<FetchResult> {
    const { store, client, stats, routing, logger } = this.components
    const digest = index.digest
    const result: FetchResult = { digest, sizeBytes: index.size, ms: 0, bytesBySource: { local: 0, peer: 0, origin: 0 }, bytesByPeer: {}, hedged: 0, retries: 0, handedOff: 0 }
    const tasks = new Map<string, Task>()
    index.shards.forEach((ref, i) => {
      const key = ref.cid.toString()
      const t = tasks.get(key)
      if (t != null) { t.positions.push(i); return }
      if (store.hasSync(ref.cid)) { result.bytesBySource.local += ref.length; options.onShard?.(ref, 'local'); return }
      tasks.set(key, { ref, positions: [i], tieBreak: randomInt(2 ** 30), attempts: 0, inflight: new Map(), hedgeDue: false, done: false, tried: new Set(), handoffs: new Map(), notBeforeMs: 0, begun: false, stored: false })
    })
    const pending = new Set(tasks.values())
    if (pending.size === 0) { result.ms = performance.now() - started; return result }

    const controller = new AbortController()
    const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
    const perPeer = this.init.streamsPerPeer ?? FETCH_STREAMS_PER_PEER
    const total = this.init.streamsTotal ?? FETCH_STREAMS_TOTAL
    const originMax = this.init.originStreams ?? 4
    let running = 0
    let originRunning = 0
    let lookups = 0
    let failure: Error | undefined
    let finish!: () => void
    let fail!: (err: Error) => void
    const finished = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject })
    const timers = new Set<NodeJS.Timeout>()
    const layerCid = digestToCid(digest)

    // Two background loops feed the scheduler. Have-maps of known holders are asked
    // for every HAVE_REFRESH_MS (cheap: one small message each), and each answer
    // reschedules at once. The DHT is asked for the layer's providers every
    // PROVIDER_LOOKUP_MS (dear: an iterative lookup), without ever holding up the
    // have-maps; shards nobody is known to hold get a lookup of their own.
    const askHave = async (h: Holder): Promise<void> => {
      if (h.asking) return
      h.asking = true
      try {
        const have = await client.getHave(h.id, digest, { signal })
        if (have == null || have.shards !== index.shards.length) h.has.clear()
        else holders.setBitmap(h, have.bitmap, have.shards)
      } catch (err) {
        if (signal.aborted) return
        h.failures++
        if (h.failures >= 3) h.dropped = true
        logger.debug({ peer: h.key, err: (err as Error).message }, 'have request failed')
      } finally {
        h.asking = false
        schedule()
      }
    }

    const refreshHaves = async (): Promise<void> => {
      await Promise.all([...holders.peers.values()].filter(h => !h.dropped).map(askHave))
    }

    const lookup = async (): Promise<void> => {
      const providers = await routing.findProviders(layerCid, { signal }).catch(() => [])
      const fresh = providers.filter(p => !holders.peers.has(p.id.toString())).map(p => holders.upsert(p.id))
      await Promise.all(fresh.map(askHave))
      const orphans = [...pending].filter(t => t.inflight.size === 0 && t.positions.every(i => holders.count(i) === 0)).slice(0, 16)
      await Promise.all(orphans.map(async t => {
        for (const p of await routing.findProviders(t.ref.cid, { signal, timeoutMs: 2000 }).catch(() => [])) {
          const h = holders.upsert(p.id)
          for (const i of t.positions) h.has.add(i)
        }
      }))
      lookups++
      logger.debug({ digest, holders: [...holders.peers.values()].map(h => `${h.key.slice(-6)}:${h.has.size}`).join(' '), pending: pending.size }, 'providers looked up')
    }

    const startLoop = (fn: () => Promise<void>, running: { p?: Promise<void> }): void => {
      if (running.p != null || failure != null) return
      running.p = fn().finally(() => { running.p = undefined; schedule() })
    }
    const haveLoop: { p?: Promise<void> } = {}
    const lookupLoop: { p?: Promise<void> } = {}

    const holdersOf = (t: Task): Holder[] => {
      const seen = new Map<string, Holder>()
      for (const i of t.positions) for (const h of holders.holdersOf(i)) seen.set(h.key, h)
      return [...seen.values()]
    }

    const order = (): Task[] => {
      const now = performance.now()
      const list = [...pending].filter(t => t.notBeforeMs <= now && (t.inflight.size === 0 || (t.hedgeDue && t.inflight.size === 1)))
      if (options.order === 'sequential') return list.sort((a, b) => a.ref.offset - b.ref.offset)
      const rarity = new Map(list.map(t => [t, holdersOf(t).length]))
      return list.sort((a, b) => (rarity.get(a)! - rarity.get(b)!) || (a.tieBreak - b.tieBreak))
    }

    // A holder with the whole blob is usually a seed that every fetcher leans on; when a
    // shard is also at a partial holder (another fetcher), take it from there and leave
    // the seed's upload for shards nobody else has yet.
    const shardCount = index.shards.length
    const pickHolder = (t: Task, now: number): Holder | undefined => {
      let best: Holder | undefined
      let bestCost = Infinity
      let untriedBusy = false
      const hs = holdersOf(t)
      const partial = hs.some(h => h.has.size < shardCount)
      for (const h of hs) {
        if (stats.isBanned(h.key) || t.inflight.has(h.key)) continue
        const tried = t.tried.has(h.key)
        const load = this.load(h.key)
        if (load >= perPeer || h.backoffUntilMs > now) { if (!tried) untriedBusy = true; continue }
        const seedFactor = partial && h.has.size === shardCount ? SEED_COST_FACTOR : 1
        const cost = stats.expectedMs(h.key, t.ref.length) * (1 + load) * (tried ? 4 : 1) * seedFactor
        if (cost < bestCost) { best = h; bestCost = cost }
      }
      // Going back to a holder already asked (say, a seed that handed the shard off)
      // while a holder not yet asked is only busy would undo the hand-off: wait for a slot.
      if (best != null && untriedBusy && t.tried.has(best.key)) return undefined
      return best
    }

    // Resolves once the shard is stored; the request's slot is held until then, so
    // bodies waiting for a slow disk never pile up beyond the stream limits.
    const complete = async (t: Task, bytes: Uint8Array, source: ShardSource, peer?: string): Promise<void> => {
      t.done = true
      pending.delete(t)
      for (const [, c] of t.inflight) c.abort(new Error('another request delivered the shard first'))
      t.inflight.clear()
      result.bytesBySource[source] += t.ref.length * t.positions.length
      if (peer != null) result.bytesByPeer[peer] = (result.bytesByPeer[peer] ?? 0) + t.ref.length
      // Peer bytes were hashed by the client as they arrived, origin bytes just above.
      await store.put(t.ref.cid, bytes, { signal, verified: true }).then(() => {
        t.stored = true
        incoming?.settle(t.ref.cid.toString(), true)
        try { routing.provide(t.ref.cid, 'low') } catch (err) { logger.warn({ err: (err as Error).message }, 'shard not announced') }
        options.onShard?.(t.ref, source, peer)
        storedCount++
        if (storedCount === tasks.size) finish()
      }, (err: Error) => { abortAll(new FetchFailedError(`could not store shard ${t.ref.cid} of ${digest}: ${err.message}`)) })
    }
    let storedCount = 0

    const requeue = (t: Task, err: Error): void => {
      t.attempts++
      result.retries++
      if (t.attempts >= MAX_ATTEMPTS_PER_SHARD) abortAll(new FetchFailedError(`shard ${t.ref.cid} of ${digest} failed ${t.attempts} times; last error: ${err.message}`))
    }

    const { incoming } = this.components
    const begin = (t: Task): void => {
      if (t.begun) return
      t.begun = true
      incoming?.begin(t.ref.cid.toString())
    }

    const startPeer = (t: Task, h: Holder): void => {
      begin(t)
      const c = new AbortController()
      t.inflight.set(h.key, c)
      t.tried.add(h.key)
      h.inflight++
      this.acquire(h.key)
      running++
      const hedge = t.inflight.size > 1
      if (hedge) result.hedged++
      t.hedgeDue = false
      const hedgeTimer = setTimeout(() => { if (!t.done && t.inflight.size === 1) { t.hedgeDue = true; schedule() } },
        Math.max(HEDGE_MIN_MS, HEDGE_FACTOR * stats.expectedMs(h.key, t.ref.length)))
      timers.add(hedgeTimer)
      client.getShard(h.id, t.ref.cid, t.ref.length, { signal: AbortSignal.any([signal, c.signal]) }).then(async res => {
        if (!t.done) await complete(t, res.bytes, 'peer', h.key)
        h.failures = 0
      }, (err: Error) => {
        if (t.done || signal.aborted) return
        const now = performance.now()
        switch (err.name) {
          case 'ShardMismatchError':
          case 'ProtocolError':
            logger.warn({ peer: h.key, cid: t.ref.cid.toString(), err: err.message }, 'peer sent bad data; dropping it from this fetch')
            stats.penalise(h.key)
            h.dropped = true
            break
          case 'PeerStatusError': {
            const { status, holder } = err as PeerStatusError
            if (status === 'ELSEWHERE' && holder != null) {
              // The holder just sent this shard to `holder`: fetch it from there.
              const to = parsePeer(holder)
              if (to != null) {
                const other = holders.upsert(to)
                holders.expect(other, t.positions)
                if (!t.handoffs.has(other.key)) t.handoffs.set(other.key, 0)
                result.handedOff++
                return
              }
            }
            const misses = t.handoffs.get(h.key)
            if (status === 'NOT_FOUND' && misses != null && misses < HANDOFF_RETRIES) {
              // Handed off to a peer that is still verifying and storing the shard: ask again shortly.
              t.handoffs.set(h.key, misses + 1)
              t.notBeforeMs = now + HANDOFF_RETRY_MS
              return
            }
            if (status === 'NOT_FOUND') holders.forget(h, t.positions)
            else h.backoffUntilMs = now + PEER_BACKOFF_MS / 4
            break
          }
          default:
            stats.recordFailure(h.key, Date.now())
            h.failures++
            h.backoffUntilMs = now + PEER_BACKOFF_MS
            if (h.failures >= 3) h.dropped = true
        }
        if (t.inflight.size === 1) requeue(t, err)
      }).finally(() => {
        clearTimeout(hedgeTimer)
        timers.delete(hedgeTimer)
        t.inflight.delete(h.key)
        h.inflight--
        running--
        this.release(h.key, schedule)
        schedule()
      })
    }

    const originSource = options.origin ?? this.init.origin
    const startOrigin = (t: Task): void => {
      const origin = originSource
      if (origin == null) return
      begin(t)
      const c = new AbortController()
      t.inflight.set('origin', c)
      originRunning++
      running++
      origin({ digest, ref: t.ref }, { signal: AbortSignal.any([signal, c.signal]) }).then(async bytes => {
        if (!verifyShard(t.ref.cid, bytes)) throw new FetchFailedError(`the origin sent bytes for shard ${t.ref.cid} of ${digest} that do not match`)
        if (!t.done) await complete(t, bytes, 'origin')
      }).catch((err: Error) => {
        if (t.done || signal.aborted) return
        logger.warn({ digest, cid: t.ref.cid.toString(), err: err.message }, 'origin request failed')
        requeue(t, err)
      }).finally(() => {
        t.inflight.delete('origin')
        originRunning--
        running--
        schedule()
      })
    }

    function abortAll (err: Error): void {
      if (failure != null) return
      failure = err
      controller.abort(err)
      fail(err)
    }

    const schedule = (): void => {
      if (failure != null || pending.size === 0) return
      const now = performance.now()
      let waitingForHolders = false
      for (const t of order()) {
        if (running >= total) break
        const h = pickHolder(t, now)
        if (h != null) { startPeer(t, h); continue }
        if (t.inflight.size > 0) continue
        const known = holdersOf(t)
        if (known.length > 0) continue // holders are busy or resting: wait for a slot
        if (lookups === 0) { waitingForHolders = true; continue }
        if (originSource != null) {
          if (originRunning < originMax) startOrigin(t)
        } else {
          waitingForHolders = true
        }
      }
      if (waitingForHolders && lookups >= NO_HOLDER_LOOKUPS && running === 0 && lookupLoop.p == null) {
        abortAll(new FetchFailedError(`no peer holds ${pending.size} shard(s) of ${digest} and there is no origin`))
      }
    }

    const haveTimer = setInterval(() => { startLoop(refreshHaves, haveLoop) }, this.init.haveRefreshMs ?? HAVE_REFRESH_MS)
    const lookupTimer = setInterval(() => { startLoop(lookup, lookupLoop) }, this.init.providerLookupMs ?? PROVIDER_LOOKUP_MS)
    // Shards that rest on a backed-off peer need a nudge when the backoff ends.
    const tick = setInterval(schedule, 100)
    this.schedulers.add(schedule)
    try {
      startLoop(refreshHaves, haveLoop)
      startLoop(lookup, lookupLoop)
      await Promise.race([finished, new Promise((_resolve, reject) => {
        if (options.signal?.aborted === true) reject(options.signal.reason)
        options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
      })])
    } finally {
      clearInterval(haveTimer)
      clearInterval(lookupTimer)
      clearInterval(tick)
      this.schedulers.delete(schedule)
      for (const t of timers) clearTimeout(t)
      for (const t of tasks.values()) if (t.begun && !t.stored) incoming?.settle(t.ref.cid.toString(), false)
      if (failure == null) controller.abort(new Error('fetch finished'))
      await Promise.all([haveLoop.p?.catch(() => {}), lookupLoop.p?.catch(() => {})])
    }
    result.ms = performance.now() - started
    return result
  }
}

function parsePeer (s: string): PeerId | undefined {
  try { return peerIdFromString(s) } catch { return undefined }
}

