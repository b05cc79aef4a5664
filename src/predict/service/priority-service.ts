/** The priority service: rounds on a timer, gossip in and out, the last round kept. See `index.ts` for what a round does. */
import { performance } from 'node:perf_hooks'
import { computePriorities, type LayerOutlook } from '../priority/index.js'
import { PRIORITY_CATCH_UP_DELAY_MS, PRIORITY_DEFAULT_TOP, PRIORITY_MAX_PENDING_PUBLISHES, PRIORITY_MAX_TOP, PRIORITY_TOPIC } from './constants.js'
import { InvalidPriorityQueryError, PriorityGossipError, PriorityServiceStoppedError } from './errors.js'
import { decodePriorityMessage, encodePriorityMessage, isRegion, type PriorityMessageLayer } from './gossip.js'
import { HeardTable } from './heard.js'
import type {
  PriorityRound, PriorityRow, PriorityServiceComponents, PriorityServiceInit, PriorityServiceStats, PriorityThreat, PubSubMessage, RoundQuery
} from './index.js'
import { LocalDemand } from './local-demand.js'
import { serviceOptions, type ResolvedServiceOptions } from './options.js'

const NO_THREAT: PriorityThreat = { score: async () => undefined, quarantined: async () => false }

interface Candidate {
  digest: string
  demand: Map<string, number>
  cached: Set<string>
  total: number
}

interface LastRound {
  computedAt: number
  scored: number
  peers: number
  layers: PriorityRow[]
}

export class PriorityService {
  private readonly o: ResolvedServiceOptions
  private readonly local: LocalDemand
  private readonly heard: HeardTable
  private readonly threat: PriorityThreat
  private readonly now: () => number
  private state: 'stopped' | 'running' = 'stopped'
  private controller = new AbortController()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<boolean> | undefined
  private pending = 0
  private last: LastRound | undefined
  private readonly counts = {
    rounds: 0,
    failedRounds: 0,
    layersScored: 0,
    eventsRead: 0,
    gossipReceived: 0,
    gossipDropped: 0,
    gossipPublished: 0,
    gossipPublishFailed: 0,
    lastRoundMs: 0
  }

  constructor (init: PriorityServiceInit, private readonly components: PriorityServiceComponents) {
    this.o = serviceOptions(init)
    this.local = new LocalDemand({
      region: this.o.region,
      historyMs: this.o.historyMs,
      maxEventsPerRound: this.o.maxEventsPerRound,
      settleMs: this.o.settleMs,
      localLayers: this.o.localLayers,
      maxLayers: this.o.maxScored
    }, components.logger)
    this.heard = new HeardTable(this.o.maxPeers, this.o.gossipTtlMs)
    this.threat = components.threat ?? NO_THREAT
    this.now = components.now ?? Date.now
  }

  async start (): Promise<void> {
    if (this.state === 'running') return
    this.state = 'running'
    this.controller = new AbortController()
    this.unsubscribe = this.components.pubsub.subscribe(PRIORITY_TOPIC, m => { this.onMessage(m) })
    this.schedule(this.o.firstRoundDelayMs)
  }

  /** Stops the timer and gossip, and waits for a round in progress to give up. */
  async stop (): Promise<void> {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    clearTimeout(this.timer)
    this.controller.abort(new PriorityServiceStoppedError('the priority service is stopping'))
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.running?.catch(() => {})
  }

  /** Run a round now, or wait for the one in progress. Throws what failed it (the timer's rounds log it instead). */
  async refresh (): Promise<void> {
    await this.runOnce()
  }

  /** The last round, the layers with demand in `region` only when given, the first `top`. */
  async round (query: RoundQuery = {}): Promise<PriorityRound> {
    const top = query.top ?? PRIORITY_DEFAULT_TOP
    if (!Number.isSafeInteger(top) || top < 1 || top > PRIORITY_MAX_TOP) throw new InvalidPriorityQueryError(`top must be an integer from 1 to ${PRIORITY_MAX_TOP}, got ${String(top)}`)
    const region = query.region
    if (region != null && !isRegion(region)) throw new InvalidPriorityQueryError(`region must be a region name (letters, digits, '.', '_', '-'; at most 64), got ${JSON.stringify(String(region).slice(0, 80))}`)
    query.signal?.throwIfAborted()
    const last = this.last
    let layers = last?.layers ?? []
    if (region != null) layers = layers.filter(l => (l.demandByRegion[region] ?? 0) > 0)
    return {
      region: this.o.region,
      computedAt: last?.computedAt ?? null,
      weights: { ...this.o.weights },
      scored: last?.scored ?? 0,
      peers: last?.peers ?? 0,
      layers: layers.slice(0, top)
    }
  }

  stats (): PriorityServiceStats {
    return { ...this.counts, peers: this.heard.size }
  }

  private schedule (delayMs: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { void this.tick() }, delayMs)
    this.timer.unref()
  }

  private async tick (): Promise<void> {
    let capped = false
    try {
      capped = await this.runOnce()
    } catch {
      // Logged and counted by runOnce.
    }
    if (this.state === 'running') this.schedule(capped ? PRIORITY_CATCH_UP_DELAY_MS : this.o.intervalMs)
  }

  private async runOnce (): Promise<boolean> {
    if (this.state !== 'running') throw new PriorityServiceStoppedError()
    if (this.running == null) {
      const started = performance.now()
      this.running = this.score(this.controller.signal).then(capped => {
        this.counts.rounds++
        this.counts.lastRoundMs = performance.now() - started
        return capped
      }, err => {
        if (this.state === 'running') {
          this.counts.failedRounds++
          this.components.logger.error({ err: (err as Error).message, errName: (err as Error).name }, 'priority round failed; the last round stays')
        }
        throw err
      }).finally(() => { this.running = undefined })
    }
    return await this.running
  }

  /** One round; true when the usage read stopped at its limit (more is waiting). */
  private async score (signal: AbortSignal): Promise<boolean> {
    const { o } = this
    const nowMs = this.now()
    const { read, capped } = await this.local.catchUp(this.components.usage, nowMs, signal)
    this.counts.eventsRead += read
    const local = await this.local.demand(nowMs, signal)
    this.heard.expire(nowMs)
    const candidates = this.candidates(local)
    const outlooks: LayerOutlook[] = []
    const held = new Set<string>()
    for (const c of candidates) {
      signal.throwIfAborted()
      if (await this.threat.quarantined(c.digest)) continue
      const threat = await this.threat.score(c.digest)
      if (await this.components.holds(c.digest)) {
        held.add(c.digest)
        c.cached.add(o.region)
      }
      outlooks.push({
        digest: c.digest,
        demandByRegion: Object.fromEntries(c.demand),
        threat: typeof threat === 'number' && threat > 0 ? Math.min(1, threat) : 0,
        cachedRegions: [...c.cached].sort()
      })
    }
    signal.throwIfAborted()
    const byDigest = new Map(outlooks.map(l => [l.digest, l]))
    const layers = computePriorities(outlooks, { weights: o.weights, ...(o.distances != null ? { distances: o.distances } : {}) }).map((p): PriorityRow => {
      const l = byDigest.get(p.digest)!
      return { ...p, demandByRegion: { ...l.demandByRegion }, cachedRegions: [...l.cachedRegions] }
    })
    this.last = { computedAt: nowMs, scored: layers.length, peers: this.heard.size, layers }
    this.counts.layersScored = layers.length
    this.components.logger.debug({ events: read, layers: layers.length, peers: this.heard.size, capped }, 'priority round')
    this.publish(layers, local, held, nowMs)
    return capped
  }

  /** Own and heard layers with some demand, their demand summed per region, the most demanded `maxScored`. */
  private candidates (local: Map<string, Map<string, number>>): Candidate[] {
    const all = new Map<string, Candidate>()
    const get = (digest: string): Candidate => {
      let c = all.get(digest)
      if (c == null) all.set(digest, c = { digest, demand: new Map(), cached: new Set(), total: 0 })
      return c
    }
    for (const [digest, demand] of local) {
      const c = get(digest)
      for (const [r, d] of demand) c.demand.set(r, d)
    }
    for (const [digest, h] of this.heard.layers()) {
      const c = get(digest)
      for (const [r, d] of h.demand) c.demand.set(r, (c.demand.get(r) ?? 0) + d)
      for (const r of h.heldIn) c.cached.add(r)
    }
    const list: Candidate[] = []
    for (const c of all.values()) {
      for (const d of c.demand.values()) c.total += d
      if (c.total > 0) list.push(c)
    }
    list.sort((a, b) => b.total - a.total || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
    return list.slice(0, this.o.maxScored)
  }

  /** The top layers this daemon has something to say about (its own demand, or a copy), with its own demand only. */
  private publish (layers: PriorityRow[], local: Map<string, Map<string, number>>, held: Set<string>, nowMs: number): void {
    const top: PriorityMessageLayer[] = []
    for (const l of layers) {
      if (top.length >= this.o.gossipLayers) break
      const own = local.get(l.digest)
      if (own == null && !held.has(l.digest)) continue
      top.push({ digest: l.digest, priority: l.priority, demand: Object.fromEntries(own ?? []), held: held.has(l.digest) })
    }
    if (this.pending >= PRIORITY_MAX_PENDING_PUBLISHES) {
      this.counts.gossipPublishFailed++
      this.components.logger.warn({ pending: this.pending }, 'priority message not published: earlier ones are still in flight')
      return
    }
    const data = encodePriorityMessage({ region: this.o.region, atMs: nowMs, layers: top })
    this.pending++
    this.components.pubsub.publish(PRIORITY_TOPIC, data).then(() => {
      this.counts.gossipPublished++
    }, err => {
      this.counts.gossipPublishFailed++
      this.components.logger.debug({ err: (err as Error).message }, 'priority message not published')
    }).finally(() => { this.pending-- })
  }

  private onMessage (m: PubSubMessage): void {
    if (this.state !== 'running') return
    try {
      if (m.from == null) throw new PriorityGossipError('unsigned: the sender cannot be told apart')
      const message = decodePriorityMessage(m.data)
      if (!this.heard.take(m.from, message, this.now())) throw new PriorityGossipError('older than the message held from this peer')
      this.counts.gossipReceived++
    } catch (err) {
      this.counts.gossipDropped++
      this.components.logger.debug({ from: m.from, err: (err as Error).message }, 'dropped a priority message')
    }
  }
}
