/**
 * The composition root: builds the store, the libp2p node, routing, the
 * exchange server, the fetcher and member heartbeats, wires them once, and
 * implements `DaemonApi` for the admin API.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import { createNode, type NodeInit, type ShoalLibp2p } from '../node/create.js'
import { loadOrCreatePeerKey } from '../node/keys.js'
import { DhtRouting } from '../routing/index.js'
import { digestToCid, isDigest, InvalidDigestError, parseCid, type CID } from '../shard/cid.js'
import { createFsStore, BlobNotFoundError, type ShardStore } from '../store/index.js'
import { WorkerHasher } from '../shard/worker-hasher.js'
import {
  ExchangeClient, ExchangeServer, Fetcher, Incoming, PeerStats, TrafficCounter,
  type FetchResult, type OriginSource
} from '../exchange/index.js'
import type { AddResult, BlobRow, DaemonApi, DaemonStatus, PeerRow, ShardRow } from './api.js'
import { ADMIN_SOCKET_FILE, BOOTSTRAP_RETRY_MS, MAX_PROVIDER_LOOKUPS, ORIGIN_FOLLOW_MAX_WAIT_MS, SERVING_QUIET_MS } from './constants.js'
import type { DaemonConfig } from './config.js'
import { createLevelUsageLog, type UsageEvent, type UsageLog } from '../usage/index.js'
import { Members } from './members.js'
import { OriginClaims } from './origin-claims.js'
import { parsePeersFile, readPeersText, seedAddrs, seedPeers } from './peers-file.js'
import { DaemonQuorum, planQuorum, QUORUM_DIR } from './quorum.js'
import { DaemonMetrics } from './metrics.js'
import { createRegistryMirror, LevelTagStore, PeerTags, type Mirror, type MirrorSwarm, type ServedEvent } from '../registry/index.js'
import { OriginClient } from '../registry/origin/index.js'
import { ThreatFeedStore } from '../threat/feeds/store.js'
import { QuarantinedError, ThreatGuard } from '../threat/guard/index.js'
import { FEEDS_DIR, SCANS_DIR, ScanCache, type ImageRegistry } from '../threat/scan/index.js'
import { ThreatService } from '../threat/service.js'
import type { Distances } from '../predict/priority/index.js'
import { createPriorityService, gossipsubPubSub, parseDistances, type PriorityService } from '../predict/service/index.js'

export interface DaemonComponents {
  logger: Logger
  /** Replaces TCP (the simulator shapes links this way). */
  transports?: NodeInit['transports']
  /** Refuses peers (tests cut a seed off from the others this way). */
  connectionGater?: NodeInit['connectionGater']
  /** Where shards that no peer holds come from. */
  origin?: OriginSource
}

export class Daemon implements DaemonApi {
  readonly store: ShardStore
  /** What the mirror served, in `<data>/usage`. */
  readonly usageLog: UsageLog
  readonly stats = new PeerStats()
  readonly traffic = new TrafficCounter()
  readonly incoming = new Incoming()
  /** Hashes shards of added blobs on a worker thread while the next shard is cut. */
  private readonly hasher = new WorkerHasher()
  node!: ShoalLibp2p
  routing!: DhtRouting
  server!: ExchangeServer
  fetcher!: Fetcher
  members!: Members
  private claims!: OriginClaims
  private exchangeClient!: ExchangeClient
  /** Threat feeds, scans and quarantine (undefined with `--threat off`). */
  threat: ThreatService | undefined
  guard: ThreatGuard | undefined
  /** The replica quorum (undefined when the peers file names no seeds, or with `--quorum off`). */
  quorum: DaemonQuorum | undefined
  /** Layer priorities, scored and gossiped on `shoal/priority/1` (undefined with `--priority off`). */
  priority: PriorityService | undefined
  private unwatchStore: (() => void) | undefined
  /** The registry mirror containerd pulls through (null when configured off). */
  mirror: Mirror | null = null
  readonly origins: OriginClient
  private readonly tags: LevelTagStore
  private peerTags: PeerTags | undefined
  /** Observers of each manifest and blob the mirror serves. */
  readonly servedListeners = new Set<(event: ServedEvent) => void>()
  private readonly prometheus = new DaemonMetrics(this)
  private readonly inflight = new Map<string, Promise<FetchResult>>()
  private bootstrapTimer: NodeJS.Timeout | undefined
  private bootstrapAddrs: string[] = []
  private startedAtMs = 0
  private state: 'stopped' | 'starting' | 'running' | 'stopping' = 'stopped'

  constructor (readonly config: DaemonConfig, private readonly components: DaemonComponents) {
    const log = components.logger.child({ component: 'shoal:store' })
    this.store = createFsStore({
      dir: config.data,
      ...(config.capacityBytes != null ? { capacityBytes: config.capacityBytes } : {})
    }, { logger: log })
    this.usageLog = createLevelUsageLog({ dir: join(config.data, 'usage') }, { logger: components.logger.child({ component: 'shoal:usage' }) })
    this.prometheus.usage(this.usageLog)
    this.origins = new OriginClient({ origins: config.origins, auths: config.auths }, { logger: components.logger.child({ component: 'shoal:registry:origin' }) })
    this.tags = new LevelTagStore(join(config.data, 'tags'))
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  async start (): Promise<void> {
    if (this.state !== 'stopped') return
    this.state = 'starting'
    const { config, components } = this
    const log = components.logger
    await mkdir(config.data, { recursive: true })
    // Before anything starts: a peers file the quorum cannot use fails the start with nothing to undo.
    // Read once: the seeds and the round trips between regions are two views of one file.
    const peers = config.peers != null ? { path: config.peers, text: await readPeersText(config.peers) } : undefined
    const peersFile = peers != null ? parsePeersFile(peers.text, peers.path) : undefined
    const quorum = planQuorum(config.quorum, peersFile != null ? seedPeers(peersFile) : undefined)
    const distances = config.priority && peers != null ? parseDistances(peers.text, peers.path) : undefined
    await this.store.start()
    await this.usageLog.start()
    await this.hasher.start()
    const privateKey = await loadOrCreatePeerKey(config.data)
    const swarmKey = config.swarmKey != null ? await readFile(config.swarmKey) : undefined
    this.node = await createNode({
      privateKey,
      listen: config.listen,
      announce: config.announce,
      ...(swarmKey != null ? { swarmKey } : {}),
      ...(config.maxConnections != null ? { maxConnections: config.maxConnections } : {}),
      ...(components.transports != null ? { transports: components.transports } : {}),
      ...(components.connectionGater != null ? { connectionGater: components.connectionGater } : {})
    })
    this.routing = new DhtRouting(
      { peerId: this.node.peerId, contentRouting: this.node.contentRouting, logger: log.child({ component: 'shoal:routing' }) },
      // Shard announcements wait while blobs are being assembled or shards served (at most
      // MAX_LOW_HOLD_MS): each is a DHT lookup plus an RPC per close peer, which competes with the
      // transfers for CPU, and fetchers find such a host through the layer CID and have-maps.
      { listHeld: () => this.heldCids(), holdLow: () => (this.mirror?.assembling ?? 0) > 0 || performance.now() - this.server.lastServedMs < SERVING_QUIET_MS }
    )
    this.server = new ExchangeServer({ registrar: this.node, isConnected: peer => this.node.getConnections().some(c => c.remotePeer.toString() === peer && c.status === 'open'), regionOf: peer => this.members?.get(peer)?.region, store: this.store, logger: log.child({ component: 'shoal:exchange:server' }), traffic: this.traffic, incoming: this.incoming, growing: digest => this.mirror?.growing(digest) })
    const client = new ExchangeClient({ dialer: this.node, stats: this.stats, traffic: this.traffic })
    this.exchangeClient = client
    this.fetcher = new Fetcher(
      { client, routing: this.routing, store: this.store, stats: this.stats, incoming: this.incoming, logger: log.child({ component: 'shoal:exchange:fetch' }) },
      components.origin != null ? { origin: components.origin } : {}
    )
    this.members = new Members({
      pubsub: this.node.services.pubsub,
      logger: log.child({ component: 'shoal:members' }),
      self: () => {
        const s = this.store.stat()
        return { peerId: this.peerId, region: config.region, capacityBytes: Number.isFinite(s.capacityBytes) ? s.capacityBytes : null, usedBytes: s.usedBytes }
      }
    })
    this.claims = new OriginClaims({ pubsub: this.node.services.pubsub, logger: log.child({ component: 'shoal:registry:claims' }), selfId: () => this.peerId })
    await this.server.start()
    await this.routing.start()
    this.members.start()
    this.claims.start()
    this.bootstrapAddrs = [...(peersFile != null ? seedAddrs(peersFile) : []), ...config.bootstrap]
    await this.bootstrap()
    if (quorum != null) {
      this.quorum = new DaemonQuorum({ ...quorum, dir: join(config.data, QUORUM_DIR), selfId: this.peerId, electionTimeoutMs: config.electionTimeoutMs }, { libp2p: this.node, logger: log })
      await this.quorum.start()
    }
    if (config.threat) await this.startThreat()
    if (config.priority) await this.startPriority(distances)
    if (config.mirror != null) {
      await this.tags.start()
      // Answers peers whatever this host's own tag-fallback setting (the mirror decides whether to ask).
      this.peerTags = new PeerTags({ registrar: this.node, getConnections: () => this.node.getConnections(), tags: this.tags, logger: log.child({ component: 'shoal:registry:tags' }) })
      await this.peerTags.start()
      this.mirror = createRegistryMirror({
        listen: config.mirror,
        region: config.region,
        tagFallback: config.tagFallback,
        trustArtifacts: config.artifacts,
        ...(config.origin != null ? { defaultOrigin: config.origin } : {})
      }, {
        store: this.store,
        swarm: this.mirrorSwarm(),
        tags: this.tags,
        origin: this.origins,
        referrerOrigin: this.origins,
        ...(this.peerTags != null ? { peerTags: this.peerTags } : {}),
        hasher: this.hasher,
        ...(this.guard != null ? { guard: this.guard } : {}),
        usage: this.usageLog,
        onServed: event => {
          this.prometheus.served(event)
          for (const l of this.servedListeners) l(event)
        },
        logger: log.child({ component: 'shoal:registry' })
      })
      await this.mirror.start()
    }
    this.bootstrapTimer = setInterval(() => {
      if (this.node.getConnections().length === 0) void this.bootstrap()
    }, BOOTSTRAP_RETRY_MS)
    this.bootstrapTimer.unref()
    // Announce everything already held (the DHT keeps records in memory only).
    void this.routing.reprovideAll().catch(err => { log.warn({ err: (err as Error).message }, 'initial announce failed') })
    this.startedAtMs = Date.now()
    this.state = 'running'
    log.info({ peerId: this.peerId, region: config.region, listen: this.node.getMultiaddrs().map(String) }, 'daemon started')
  }

  async stop (): Promise<void> {
    if (this.state !== 'running') return
    this.state = 'stopping'
    clearInterval(this.bootstrapTimer)
    await this.priority?.stop()
    await this.mirror?.stop()
    await this.quorum?.stop()
    this.unwatchStore?.()
    this.guard?.stop()
    await this.threat?.close()
    await this.peerTags?.stop()
    await this.origins.close()
    await this.tags.stop()
    this.members.stop()
    this.claims.stop()
    await this.routing.stop()
    await this.server.stop()
    await this.node.stop()
    await this.usageLog.stop()
    await this.store.stop()
    await this.hasher.stop()
    this.state = 'stopped'
  }

  /** Feeds in `<data>/threat`, scans in `<data>/scans`, and the guard over the store. */
  private async startThreat (): Promise<void> {
    const { config } = this
    const log = this.components.logger
    const feeds = await ThreatFeedStore.open({ path: join(config.data, FEEDS_DIR), logger: log.child({ component: 'shoal:threat:feeds' }) })
    const cache = new ScanCache({ dir: join(config.data, SCANS_DIR) })
    await cache.start()
    const guard = new ThreatGuard({
      store: this.store,
      lookup: feeds,
      cache,
      logger: log.child({ component: 'shoal:threat:guard' }),
      hasMalwareFeed: async () => feeds.list().some(f => f.kind === 'malware')
    }, { block: config.threatBlock })
    await guard.start()
    const store = this.store
    this.guard = guard
    this.threat = new ThreatService({
      feeds,
      cache,
      guard,
      registry: this.scanRegistry(),
      heldBlobs: async function * () { for await (const b of store.listBlobs()) if (b.complete) yield b.digest },
      logger: log.child({ component: 'shoal:threat' })
    })
    // Blobs stored whole by `shoal add` are scanned in the background; the mirror judges its own.
    this.unwatchStore = store.on('index:added', ({ digest }) => { guard.enqueue(digest) })
  }

  /** Scores from the usage log, the guard's scans and the store; distances from the peers file's `rttMs`, when it has them. */
  private async startPriority (distances: Distances | undefined): Promise<void> {
    const { config } = this
    const guard = this.guard
    this.priority = createPriorityService({
      region: config.region,
      intervalMs: config.priorityIntervalMs,
      ...(config.priorityWeights != null ? { weights: config.priorityWeights } : {}),
      ...(distances != null ? { distances } : {})
    }, {
      usage: this.usageLog,
      pubsub: gossipsubPubSub(this.node.services.pubsub),
      logger: this.components.logger.child({ component: 'shoal:predict:priority' }),
      holds: async digest => await this.store.hasBlob(digest),
      ...(guard != null ? { threat: { score: async digest => (await guard.scanOf(digest))?.score, quarantined: async digest => await guard.quarantined(digest) != null } } : {})
    })
    await this.priority.start()
  }

  /** Images to scan: layers from the store when held, else from their registry. */
  private scanRegistry (): ImageRegistry {
    return {
      getManifest: async (host, repo, ref, options) => await this.origins.getManifest(host, repo, ref, options),
      getBlob: async (host, repo, digest, options) => await this.store.hasBlob(digest)
        ? { body: this.store.readBlob(digest, options) }
        : await this.origins.getBlob(host, repo, digest, options)
    }
  }

  private async bootstrap (): Promise<void> {
    const self = this.node.peerId.toString()
    await Promise.all(this.bootstrapAddrs.map(async a => {
      const ma = multiaddr(a)
      if (ma.getComponents().some(c => c.name === 'p2p' && c.value === self)) return
      try {
        await this.node.dial(ma, { signal: AbortSignal.timeout(10_000) })
      } catch (err) {
        this.components.logger.debug({ addr: a, err: (err as Error).message }, 'bootstrap dial failed')
      }
    }))
  }

  /** What the registry mirror may ask of the swarm. */
  private mirrorSwarm (): MirrorSwarm {
    return {
      findIndex: async (digest, options) => {
        const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000)
        const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
        // The deadline is kept even when a DHT query is slow to notice its abort (dials in flight).
        let timer: NodeJS.Timeout | undefined
        const deadline = new Promise<undefined>(resolve => { timer = setTimeout(() => { resolve(undefined) }, options.timeoutMs ?? 5000) })
        const started = performance.now()
        try {
          return await Promise.race([this.fetcher.findIndex(digest, { signal }), deadline])
        } catch (err) {
          if (options.signal?.aborted === true) throw err
          return undefined
        } finally {
          clearTimeout(timer)
          this.components.logger.debug({ digest, ms: Math.round(performance.now() - started) }, 'index lookup')
        }
      },
      fetch: async (digest, options) => await this.fetcher.fetch(digest, options),
      provide: (cid, priority) => { this.provide(cid, priority) },
      penalise: (peer, reason) => {
        this.components.logger.warn({ peer, reason }, 'penalising a peer')
        this.stats.penalise(peer)
      },
      followOrigin: async (digest, options) => {
        const peer = await this.claims.waitDone(digest, ORIGIN_FOLLOW_MAX_WAIT_MS, options.signal)
        if (peer == null) return undefined
        try {
          const index = await this.exchangeClient.getIndex(peerIdFromString(peer), digest, { ...(options.signal != null ? { signal: options.signal } : {}) })
          return index != null ? { index, peer } : undefined
        } catch (err) {
          this.components.logger.debug({ peer, digest, err: (err as Error).message }, 'the origin fetcher did not give its index')
          return undefined
        }
      },
      claimOrigin: (digest, done) => { this.claims.announce(digest, done) },
      streamingPeer: digest => {
        const claim = this.claims.claimOf(digest)
        return claim != null && !claim.done && !this.stats.isBanned(claim.peerId) ? claim.peerId : undefined
      },
      fetchGrowing: async (digest, peer, options) => await this.fetcher.fetchGrowing(digest, peerIdFromString(peer), options)
    }
  }

  private async * heldCids (): AsyncGenerator<CID> {
    for await (const b of this.store.listBlobs()) if (b.heldShards > 0) yield digestToCid(b.digest)
    for (const s of this.store.listShards()) yield s.cid
  }

  // ---- DaemonApi ----

  async status (): Promise<DaemonStatus> {
    const s = this.store.stat()
    const r = this.routing.stats()
    return {
      peerId: this.peerId,
      region: this.config.region,
      listen: this.node.getMultiaddrs().map(String),
      mirror: this.mirror != null ? this.mirror.url : null,
      connections: this.node.getConnections().length,
      store: { shards: s.shards, usedBytes: s.usedBytes, capacityBytes: Number.isFinite(s.capacityBytes) ? s.capacityBytes : null, blobs: s.blobs },
      routing: { queued: r.queued, provided: r.provided, failed: r.failed },
      served: { shards: this.server.served.shards, bytes: this.server.served.bytes, busy: this.server.served.busy },
      uptimeMs: Date.now() - this.startedAtMs
    }
  }

  async peers (): Promise<PeerRow[]> {
    const rows = new Map<string, PeerRow>()
    for (const c of this.node.getConnections()) {
      const id = c.remotePeer.toString()
      const row = rows.get(id) ?? this.peerRow(id, true)
      row.addresses.push(c.remoteAddr.toString())
      rows.set(id, row)
    }
    for (const id of this.traffic.all().keys()) if (!rows.has(id)) rows.set(id, this.peerRow(id, false))
    return [...rows.values()].sort((a, b) => (a.region ?? '').localeCompare(b.region ?? '') || a.peerId.localeCompare(b.peerId))
  }

  private peerRow (id: string, connected: boolean): PeerRow {
    const t = this.traffic.peer(id)
    const st = this.stats.all().get(id)
    const m = this.members.get(id)
    return {
      peerId: id,
      ...(m != null ? { region: m.region } : {}),
      addresses: [],
      ...(st != null ? { rttMs: Math.round(st.rttMs * 10) / 10 } : {}),
      sentBytes: t.sentBytes,
      receivedBytes: t.receivedBytes,
      connected,
      penalty: st?.penalty ?? 0
    }
  }

  async blobs (): Promise<BlobRow[]> {
    const rows: BlobRow[] = []
    for await (const b of this.store.listBlobs()) {
      rows.push({ digest: b.digest, sizeBytes: b.sizeBytes, shards: b.shards, heldShards: b.heldShards, complete: b.complete, indexCid: b.indexCid.toString() })
    }
    return rows
  }

  async shards (options: { layer?: string, providers?: boolean, signal?: AbortSignal }): Promise<ShardRow[]> {
    let rows: ShardRow[]
    if (options.layer != null) {
      if (!isDigest(options.layer)) throw new InvalidDigestError(`--layer must be a sha256 digest, got ${JSON.stringify(options.layer)}`)
      const index = await this.store.getIndex(options.layer)
      if (index == null) throw new BlobNotFoundError(options.layer)
      rows = index.shards.map((ref, i) => ({ cid: ref.cid.toString(), sizeBytes: ref.length, layer: index.digest, position: i, held: this.store.hasSync(ref.cid) }))
    } else {
      rows = [...this.store.listShards()].map(s => ({ cid: s.cid.toString(), sizeBytes: s.sizeBytes, held: true }))
    }
    if (options.providers === true) {
      const targets = rows.slice(0, MAX_PROVIDER_LOOKUPS)
      let next = 0
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < targets.length) {
          const row = targets[next++]!
          const found = await this.routing.findProviders(parseCid(row.cid), { timeoutMs: 3000, ...(options.signal != null ? { signal: options.signal } : {}) })
          row.providers = found.map(p => p.id.toString())
        }
      }))
    }
    return rows
  }

  async add (source: AsyncIterable<Uint8Array>, options: { expectedDigest?: string, signal?: AbortSignal }): Promise<AddResult> {
    const index = await this.store.addBlob(source, {
      ...(options.expectedDigest != null ? { expectedDigest: options.expectedDigest } : {}),
      ...(options.signal != null ? { signal: options.signal } : {}),
      onShard: ref => { this.provide(ref.cid, 'low') },
      hasher: this.hasher
    })
    this.provide(digestToCid(index.digest))
    const have = await this.store.haveMap(index.digest)
    return { digest: index.digest, sizeBytes: index.size, shards: index.shards.length, indexCid: have.indexCid.toString() }
  }

  async fetch (digest: string, options: { signal?: AbortSignal }): Promise<FetchResult> {
    if (!isDigest(digest)) throw new InvalidDigestError(`not a sha256 digest: ${JSON.stringify(digest).slice(0, 100)}`)
    // Concurrent requests for one blob share one fetch; a caller's abort does not cancel it for the others.
    const quarantined = await this.guard?.quarantined(digest)
    if (quarantined != null) throw new QuarantinedError(digest, quarantined.reason)
    let p = this.inflight.get(digest)
    if (p == null) {
      p = this.fetcher.fetch(digest).then(async result => {
        // Judged before the fetch is reported done when the guard gates (a refused blob is deleted again).
        if (this.guard?.gating === true) await this.guard.admit(digest)
        else this.guard?.enqueue(digest)
        return result
      }).finally(() => { this.inflight.delete(digest) })
      this.inflight.set(digest, p)
    }
    if (options.signal == null) return await p
    const signal = options.signal
    return await new Promise<FetchResult>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      p.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  read (digest: string, options: { offset?: number, length?: number, signal?: AbortSignal }): AsyncIterable<Uint8Array> {
    if (!isDigest(digest)) throw new InvalidDigestError(`not a sha256 digest: ${JSON.stringify(digest).slice(0, 100)}`)
    return this.store.readBlob(digest, options)
  }

  async usage (options: { limit?: number, sinceMs?: number, signal?: AbortSignal }): Promise<UsageEvent[]> {
    return await this.usageLog.tail(options)
  }

  async metrics (): Promise<string> {
    return await this.prometheus.render()
  }

  private provide (cid: CID, priority: 'high' | 'low' = 'high'): void {
    try {
      this.routing.provide(cid, priority)
    } catch (err) {
      this.components.logger.warn({ cid: cid.toString(), err: (err as Error).message }, 'not announced')
    }
  }
}

export function adminSocketPath (config: DaemonConfig): string {
  return config.admin ?? join(config.data, ADMIN_SOCKET_FILE)
}

