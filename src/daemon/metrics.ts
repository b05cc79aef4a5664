/**
 * Prometheus text exposition of a daemon's counters. No label per layer or
 * shard: the number of series stays bounded whatever the store holds.
 */
import type { Daemon } from './daemon.js'

export function renderMetrics (d: Daemon): string {
  const s = d.store.stat()
  const r = d.routing.stats()
  const served = d.server.served
  let sent = 0
  let received = 0
  for (const t of d.traffic.all().values()) { sent += t.sentBytes; received += t.receivedBytes }
  const lines: string[] = []
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`)
  }
  metric('shoal_store_shards', 'gauge', 'Shards held in the local store.', s.shards)
  metric('shoal_store_used_bytes', 'gauge', 'Bytes of shards held.', s.usedBytes)
  metric('shoal_store_capacity_bytes', 'gauge', 'Configured capacity (0: unlimited).', Number.isFinite(s.capacityBytes) ? s.capacityBytes : 0)
  metric('shoal_store_blobs', 'gauge', 'Blobs with a stored shard index.', s.blobs)
  metric('shoal_connections', 'gauge', 'Open libp2p connections.', d.node.getConnections().length)
  metric('shoal_routing_provide_queued', 'gauge', 'CIDs waiting to be announced.', r.queued)
  metric('shoal_routing_provided_total', 'counter', 'Announcements made.', r.provided)
  metric('shoal_routing_provide_failed_total', 'counter', 'Announcements that failed.', r.failed)
  metric('shoal_exchange_served_shards_total', 'counter', 'Shards served to peers.', served.shards)
  metric('shoal_exchange_served_busy_total', 'counter', 'Shard requests refused by per-peer limits.', served.busy)
  metric('shoal_exchange_sent_bytes_total', 'counter', 'Shard bytes sent to peers.', sent)
  metric('shoal_exchange_received_bytes_total', 'counter', 'Shard bytes received from peers.', received)
  return lines.join('\n') + '\n'
}
