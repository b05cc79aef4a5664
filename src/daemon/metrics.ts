/**
 * The daemon's Prometheus metrics (prom-client, a registry of its own, not
 * the global one). Gauges are read from the daemon when scraped; the mirror's
 * counters and pull-duration histogram are fed by each request it serves. No
 * label per layer or shard: the number of series stays bounded whatever the
 * store holds.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ServedEvent } from '../registry/index.js'
import type { UsageLog } from '../usage/index.js'
import { usageMetrics } from '../usage/metrics.js'
import type { Daemon } from './daemon.js'
import type { QuorumStatus } from '../quorum/api.js'

/** Pull durations span a cached manifest (ms) to a multi-GiB layer from the origin (minutes). */
const DURATION_BUCKETS_S = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600]

export class DaemonMetrics {
  readonly registry = new Registry()
  private readonly servedBytes: Counter<'source' | 'kind'>
  private readonly requests: Counter<'kind' | 'status'>
  private readonly duration: Histogram<'kind'>

  constructor (d: Daemon) {
    const r = this.registry
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers: [r], collect () { this.set(read()) } })
    }
    // Counters kept elsewhere in the daemon, exposed as their current totals.
    const total = (name: string, help: string, read: () => number): void => {
      new Counter({ name, help, registers: [r], collect () { this.reset(); this.inc(read()) } })
    }
    gauge('shoal_store_shards', 'Shards held in the local store.', () => d.store.stat().shards)
    gauge('shoal_store_used_bytes', 'Bytes of shards held.', () => d.store.stat().usedBytes)
    gauge('shoal_store_capacity_bytes', 'Configured capacity (0: unlimited).', () => { const c = d.store.stat().capacityBytes; return Number.isFinite(c) ? c : 0 })
    gauge('shoal_store_blobs', 'Blobs with a stored shard index.', () => d.store.stat().blobs)
    gauge('shoal_connections', 'Open libp2p connections.', () => d.node.getConnections().length)
    gauge('shoal_peers', 'Distinct peers connected.', () => new Set(d.node.getConnections().map(c => c.remotePeer.toString())).size)
    gauge('shoal_routing_provide_queued', 'CIDs waiting to be announced.', () => d.routing.stats().queued)
    gauge('shoal_mirror_requests_active', 'Registry mirror requests being served.', () => d.mirror?.stats.active ?? 0)
    total('shoal_routing_provided_total', 'Announcements made.', () => d.routing.stats().provided)
    total('shoal_routing_provide_failed_total', 'Announcements that failed.', () => d.routing.stats().failed)
    total('shoal_exchange_served_shards_total', 'Shards served to peers.', () => d.server.served.shards)
    total('shoal_exchange_served_busy_total', 'Shard requests refused by per-peer limits.', () => d.server.served.busy)
    total('shoal_exchange_sent_bytes_total', 'Shard bytes sent to peers.', () => sum(d, 'sentBytes'))
    total('shoal_exchange_received_bytes_total', 'Shard bytes received from peers.', () => sum(d, 'receivedBytes'))
    total('shoal_verification_failures_total', 'Shards, indexes or blobs from peers that failed verification.', () => d.stats.verificationFailures)
    gauge('shoal_threat_scan_queue', 'Stored blobs waiting for a background threat scan.', () => d.guard?.queueLength ?? 0)
    total('shoal_threat_scans_total', 'Blobs scanned (inventoried, or judged again after a feed change).', () => d.guard?.stats.scanned ?? 0)
    total('shoal_threat_scan_dropped_total', 'Blobs not queued for a background scan because the queue was full (scanned when next served).', () => d.guard?.stats.dropped ?? 0)
    total('shoal_threat_scan_failed_total', 'Background threat scans that failed (logged with the reason).', () => d.guard?.stats.failed ?? 0)
    total('shoal_threat_quarantined_total', 'Blobs put in quarantine (known malware, or a block level): deleted, never served or announced again.', () => d.guard?.stats.quarantined ?? 0)
    total('shoal_mirror_errors_total', 'Registry mirror requests answered with an error.', () => d.mirror?.stats.errors ?? 0)
    // A seed's own Raft state (0 on a daemon that is not a seed): no network call in a scrape.
    const quorum = (name: string, help: string, read: (s: QuorumStatus) => number): void => {
      new Gauge({ name, help, registers: [r], async collect () { const s = await d.quorum?.localStatus().catch(() => undefined); this.set(s != null ? read(s) : 0) } })
    }
    quorum('shoal_quorum_term', 'The replica quorum\'s current term, on a seed.', s => s.term)
    quorum('shoal_quorum_commit_index', 'Highest log index the seed knows committed.', s => s.commitIndex)
    quorum('shoal_quorum_applied_index', 'Highest log index the seed has applied to its replica targets.', s => s.appliedIndex)
    quorum('shoal_quorum_is_leader', '1 when this seed leads the replica quorum.', s => s.role === 'leader' ? 1 : 0)
    gauge('shoal_quorum_heard_targets', 'Replica targets this daemon holds from shoal/targets/1 gossip.', () => d.quorum?.gossip.size ?? 0)
    total('shoal_quorum_gossip_dropped_total', 'Targets messages not published because too many were in flight.', () => d.quorum?.gossip.dropped ?? 0)
    total('shoal_priority_rounds_total', 'Priority rounds scored.', () => d.priority?.stats().rounds ?? 0)
    total('shoal_priority_rounds_failed_total', 'Priority rounds that failed (logged with the reason; the last round stays).', () => d.priority?.stats().failedRounds ?? 0)
    gauge('shoal_priority_layers_scored', 'Layers scored in the last priority round.', () => d.priority?.stats().layersScored ?? 0)
    gauge('shoal_priority_peers_heard', 'Peers whose shoal/priority/1 message this daemon holds.', () => d.priority?.stats().peers ?? 0)
    total('shoal_priority_gossip_received_total', 'shoal/priority/1 messages taken from peers.', () => d.priority?.stats().gossipReceived ?? 0)
    total('shoal_priority_gossip_dropped_total', 'shoal/priority/1 messages dropped: malformed, too large, unsigned, or older than the one held.', () => d.priority?.stats().gossipDropped ?? 0)
    total('shoal_priority_gossip_published_total', 'shoal/priority/1 messages published.', () => d.priority?.stats().gossipPublished ?? 0)
    total('shoal_priority_gossip_publish_failed_total', 'shoal/priority/1 messages not published (refused, or too many in flight).', () => d.priority?.stats().gossipPublishFailed ?? 0)
    new Counter({
      name: 'shoal_artifact_lookups_total',
      help: 'Lookups of shard index artifacts (referrers) at the origin, by outcome: found, none, invalid (malformed, ignored), failed.',
      labelNames: ['result'],
      registers: [r],
      collect () {
        this.reset()
        const s = d.mirror?.artifactLookups ?? { found: 0, none: 0, invalid: 0, failed: 0 }
        for (const [result, n] of Object.entries(s)) this.inc({ result }, n)
      }
    })
    this.servedBytes = new Counter({ name: 'shoal_mirror_served_bytes_total', help: 'Bytes the registry mirror served, by where they came from (local, peer, origin).', labelNames: ['source', 'kind'], registers: [r] })
    this.requests = new Counter({ name: 'shoal_mirror_served_total', help: 'Manifests and blobs the registry mirror served.', labelNames: ['kind', 'status'], registers: [r] })
    this.duration = new Histogram({ name: 'shoal_mirror_pull_duration_seconds', help: 'Time to serve a manifest or a blob, first byte of the request to last byte of the response.', labelNames: ['kind'], buckets: DURATION_BUCKETS_S, registers: [r] })
    for (const source of ['local', 'peer', 'origin'] as const) for (const kind of ['manifest', 'blob'] as const) this.servedBytes.inc({ source, kind }, 0)
  }

  /** Count one manifest or blob served by the mirror. */
  served (e: ServedEvent): void {
    for (const source of ['local', 'peer', 'origin'] as const) {
      if (e.bytesBySource[source] > 0) this.servedBytes.inc({ source, kind: e.kind }, e.bytesBySource[source])
    }
    this.requests.inc({ kind: e.kind, status: String(e.status) })
    this.duration.observe({ kind: e.kind }, e.durationMs / 1000)
  }

  /**
   * The usage log's figures: totals by kind and source, and a digest label
   * on the top N layers of the last hour only (a label per layer would grow
   * without bound). Called once the daemon has its usage log.
   */
  usage (log: UsageLog): void {
    usageMetrics(log, { registry: this.registry })
  }

  async render (): Promise<string> {
    return await this.registry.metrics()
  }
}

function sum (d: Daemon, key: 'sentBytes' | 'receivedBytes'): number {
  let n = 0
  for (const t of d.traffic.all().values()) n += t[key]
  return n
}
