/**
 * In-memory twin of the DHT routing: a shared network object maps CIDs to the
 * peers that provided them. Announcements are immediate.
 */
import type { CID } from 'multiformats/cid'
import type { FindProvidersOptions, ProviderInfo, Routing, RoutingStats } from './index.js'

export class MemoryRoutingNetwork {
  readonly records = new Map<string, Map<string, ProviderInfo>>()
}

export class MemoryRouting implements Routing {
  private provided = 0

  constructor (private readonly network: MemoryRoutingNetwork, private readonly self: ProviderInfo) {}

  async start (): Promise<void> {}
  async stop (): Promise<void> {}

  provide (cid: CID, _priority?: 'high' | 'low'): void {
    const key = cid.toString()
    let holders = this.network.records.get(key)
    if (holders == null) { holders = new Map(); this.network.records.set(key, holders) }
    holders.set(this.self.id.toString(), this.self)
    this.provided++
  }

  async flush (): Promise<void> {}

  async findProviders (cid: CID, options: FindProvidersOptions = {}): Promise<ProviderInfo[]> {
    const holders = this.network.records.get(cid.toString())
    if (holders == null) return []
    return [...holders.values()].filter(p => !p.id.equals(this.self.id)).slice(0, options.limit ?? Infinity)
  }

  stats (): RoutingStats {
    return { queued: 0, provided: this.provided, failed: 0, reprovideRuns: 0 }
  }
}
