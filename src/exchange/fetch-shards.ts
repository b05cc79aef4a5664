/**
 * One fetch's scheduler: every missing shard of a blob, from several peers at
 * once. Two background loops keep the holders current (have-maps every
 * HAVE_REFRESH_MS, DHT lookups from every PROVIDER_LOOKUP_MS, backing off);
 * with a `Growth`, the blob's shards arrive while it runs. `schedule` hands
 * each waiting shard to the free holder expected to deliver it soonest,
 * hedges slow requests, rests failing peers, drops lying ones, follows
 * hand-offs, and sends shards nobody holds to the origin. Each shard is
 * verified before it is stored; a request keeps its slot until then.
 */
import { randomInt } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { digestToCid, verifyShard } from '../shard/cid.js'
import { indexCid } from '../shard/index-codec.js'
import type { ShardIndex, ShardRef } from '../shard/types.js'
import {
  FETCH_STREAMS_PER_PEER, FETCH_STREAMS_TOTAL, HAVE_REFRESH_MS, HEDGE_FACTOR, HEDGE_MIN_MS,
  HANDOFF_RETRIES, HANDOFF_RETRY_MS, MAX_ATTEMPTS_PER_SHARD, NO_HOLDER_LOOKUPS, PEER_BACKOFF_MS, PROVIDER_LOOKUP_BACKOFF_MAX, PROVIDER_LOOKUP_MS, SEED_COST_FACTOR
} from './constants.js'
import { FetchFailedError, type PeerStatusError } from './errors.js'
import type { Holders, Holder } from './holders.js'
import type { FetcherComponents, FetcherInit, FetchOptions, FetchResult, ShardSource } from './fetcher.js'
import type { PeerSlots } from './peer-slots.js'

export interface FetchRunDeps {
  components: FetcherComponents
  init: FetcherInit
  slots: PeerSlots
}

/**
 * A blob whose index is still growing (its source is streaming it from the
 * origin): `next` resolves with the next shards as the source cuts them, and
 * `done` once they are the last. The source holds every shard it lists.
 */
export interface Growth {
  next: (signal: AbortSignal) => Promise<{ refs: ShardRef[], done: boolean }>
  source: Holder
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

/**
 * Fetch every missing shard of `index`; with `growth`, `index` is only the
 * blob's digest (its shards arrive through `growth` while the fetch runs).
 */
export async function fetchShards (run: FetchRunDeps, index: ShardIndex, holders: Holders, options: FetchOptions, started: number, growth?: Growth): Promise<FetchResult> {
  const { components, init, slots } = run
  const { store, client, stats, routing, logger } = components
  const digest = index.digest
  const result: FetchResult = { digest, sizeBytes: index.size, ms: 0, bytesBySource: { local: 0, peer: 0, origin: 0 }, bytesByPeer: {}, hedged: 0, retries: 0, handedOff: 0 }
  const tasks = new Map<string, Task>()
  const pending = new Set<Task>()
  let shardCount = 0
  const addShards = (refs: readonly ShardRef[]): void => {
    for (const ref of refs) {
      const i = shardCount++
      const key = ref.cid.toString()
      const t = tasks.get(key)
      if (t != null) { t.positions.push(i); continue }
      if (store.hasSync(ref.cid)) { result.bytesBySource.local += ref.length; options.onShard?.(ref, 'local'); continue }
      const task: Task = { ref, positions: [i], tieBreak: randomInt(2 ** 30), attempts: 0, inflight: new Map(), hedgeDue: false, done: false, tried: new Set(), handoffs: new Map(), notBeforeMs: 0, begun: false, stored: false }
      tasks.set(key, task)
      pending.add(task)
    }
  }
  addShards(index.shards)
  let growing = growth != null
  if (pending.size === 0 && !growing) { result.ms = performance.now() - started; return result }

  const controller = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  const perPeer = init.streamsPerPeer ?? FETCH_STREAMS_PER_PEER
  const total = init.streamsTotal ?? FETCH_STREAMS_TOTAL
  const originMax = init.originStreams ?? 4
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
  // reschedules at once. The DHT is asked for the layer's providers from every
  // PROVIDER_LOOKUP_MS (dear: an iterative lookup; see the timer below), without ever
  // holding up the have-maps; shards nobody is known to hold get a lookup of their own.
  // A growing index has no CID: no have-map is asked for (see refreshHaves).
  const ourIndexCid = growing ? '' : indexCid(index).toString()
  const disagreed = new Set<string>()
  const askHave = async (h: Holder): Promise<void> => {
    if (h.asking) return
    h.asking = true
    try {
      const have = await client.getHave(h.id, digest, { signal })
      if (have == null) {
        holders.reset(h)
      } else if (have.indexCid.toString() !== ourIndexCid) {
        // Its bitmap counts the shards of another index: meaningless for this one. (Not
        // dropped: if this index proves wrong, the next round may use the peer's.)
        holders.reset(h)
        if (options.trusted === true && !disagreed.has(h.key)) {
          disagreed.add(h.key)
          logger.warn({ peer: h.key, digest, theirs: have.indexCid.toString(), trusted: ourIndexCid }, 'peer holds a shard index that disagrees with the trusted one; ignoring and penalising it')
          stats.penalise(h.key)
        }
      } else {
        holders.setBitmap(h, have.bitmap, have.shards)
      }
    } catch (err) {
      if (signal.aborted) return
      // A have-map stuck behind shards on a busy link is late, not lost: only other failures count.
      if ((err as Error).name !== 'TimeoutError') h.failures++
      if (h.failures >= 3) h.dropped = true
      logger.debug({ peer: h.key, err: (err as Error).message }, 'have request failed')
    } finally {
      h.asking = false
      schedule()
    }
  }

  // A holder whose have-map showed every shard of this index has nothing more to tell:
  // it is not asked again. (Asking every holder every HAVE_REFRESH_MS costs the swarm
  // a request per fetch, holder and interval, which adds up when many hosts fetch at once.)
  const whole = new Set<Holder>()
  const refreshHaves = async (): Promise<void> => {
    // While following a growing index, no have-map can match it (it has no CID) and the
    // source holds what it listed: followers are found through hand-offs instead, and the
    // source, the busiest host, is not asked twice a second by every follower.
    if (growth != null) return
    await Promise.all([...holders.peers.values()].filter(h => !h.dropped && !whole.has(h)).map(async h => {
      await askHave(h)
      if (h.has.size >= shardCount) whole.add(h)
    }))
  }

  const lookup = async (): Promise<void> => {
    // Likewise a DHT lookup: it finds hosts whose have-maps cannot be read for a growing index.
    if (growth != null) { lookups++; return }
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
  const pickHolder = (t: Task, now: number): Holder | undefined => {
    let best: Holder | undefined
    let bestCost = Infinity
    let untriedBusy = false
    const hs = holdersOf(t)
    const partial = hs.some(h => h.has.size < shardCount)
    for (const h of hs) {
      if (stats.isBanned(h.key) || t.inflight.has(h.key)) continue
      const tried = t.tried.has(h.key)
      const load = slots.load(h.key)
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
      if (storedCount === tasks.size && !growing) finish()
    }, (err: Error) => { abortAll(new FetchFailedError(`could not store shard ${t.ref.cid} of ${digest}: ${err.message}`)) })
  }
  let storedCount = 0

  const requeue = (t: Task, err: Error): void => {
    t.attempts++
    result.retries++
    if (t.attempts >= MAX_ATTEMPTS_PER_SHARD) abortAll(new FetchFailedError(`shard ${t.ref.cid} of ${digest} failed ${t.attempts} times; last error: ${err.message}`))
  }

  const { incoming } = components
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
    slots.acquire(h.key)
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
      slots.release(h.key, schedule)
      schedule()
    })
  }

  const originSource = options.origin ?? init.origin
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

  // Shards of a growing index, as the source cuts them; the fetch ends once the last are stored.
  const grow = async (g: Growth): Promise<void> => {
    while (growing && failure == null) {
      const { refs, done } = await g.next(signal)
      const first = shardCount
      addShards(refs)
      holders.expect(g.source, Array.from({ length: shardCount - first }, (_v, k) => first + k))
      if (done) {
        growing = false
        if (storedCount === tasks.size) finish()
      }
      schedule()
    }
  }
  if (growth != null) {
    grow(growth).catch((err: Error) => { if (!signal.aborted) abortAll(err) })
  }

  const haveTimer = setInterval(() => { startLoop(refreshHaves, haveLoop) }, init.haveRefreshMs ?? HAVE_REFRESH_MS)
  // While every waiting shard has a holder, DHT lookups back off (each asks many peers;
  // new fetchers show up through have-maps and hand-offs too). A shard nobody holds
  // brings them back to every PROVIDER_LOOKUP_MS.
  const lookupEveryMs = init.providerLookupMs ?? PROVIDER_LOOKUP_MS
  let backoff = 1
  let lastLookupAt = performance.now()
  const lookupTimer = setInterval(() => {
    const orphans = [...pending].some(t => t.inflight.size === 0 && holdersOf(t).length === 0)
    backoff = orphans ? 1 : backoff
    if (performance.now() - lastLookupAt < lookupEveryMs * backoff - 50) return
    lastLookupAt = performance.now()
    if (!orphans) backoff = Math.min(backoff * 2, PROVIDER_LOOKUP_BACKOFF_MAX)
    startLoop(lookup, lookupLoop)
  }, lookupEveryMs)
  // Shards that rest on a backed-off peer need a nudge when the backoff ends.
  const tick = setInterval(schedule, 100)
  slots.register(schedule)
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
    slots.unregister(schedule)
    for (const t of timers) clearTimeout(t)
    for (const t of tasks.values()) if (t.begun && !t.stored) incoming?.settle(t.ref.cid.toString(), false)
    if (failure == null) controller.abort(new Error('fetch finished'))
    await Promise.all([haveLoop.p?.catch(() => {}), lookupLoop.p?.catch(() => {})])
  }
  result.ms = performance.now() - started
  return result
}

function parsePeer (s: string): PeerId | undefined {
  try { return peerIdFromString(s) } catch { return undefined }
}

