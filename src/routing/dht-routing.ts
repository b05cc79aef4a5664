/**
 * Routing on the private kad-dht (`/shoal/kad/1.0.0`).
 */
import type { CID } from 'multiformats/cid'
import type { ContentRouting, PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import {
  FIND_PROVIDERS_LIMIT, FIND_PROVIDERS_TIMEOUT_MS, PROVIDE_CONCURRENCY, PROVIDE_LOW_CONCURRENCY, PROVIDE_QUEUE_MAX,
  PROVIDE_TIMEOUT_MS, REPROVIDE_INTERVAL_MS
} from './constants.js'
import { ProvideQueue } from './provide-queue.js'
import type { FindProvidersOptions, ProviderInfo, Routing, RoutingStats } from './index.js'

export interface DhtRoutingComponents {
  peerId: PeerId
  contentRouting: ContentRouting
  logger: Logger
}

export interface DhtRoutingInit {
  /** Every CID this node holds, for re-announcing. */
  listHeld: () => AsyncIterable<CID> | Iterable<CID>
  /** @default REPROVIDE_INTERVAL_MS */
  reprovideIntervalMs?: number
  /** @default PROVIDE_QUEUE_MAX */
  maxQueued?: number
  /** @default PROVIDE_CONCURRENCY */
  concurrency?: number
  /** Shard announcements at once. @default PROVIDE_LOW_CONCURRENCY */
  lowConcurrency?: number
  /** @default PROVIDE_TIMEOUT_MS */
  provideTimeoutMs?: number
  /** While true, shard announcements wait (see ProvideQueue). */
  holdLow?: () => boolean
}

export class DhtRouting implements Routing {
  private readonly queue: ProvideQueue
  private timer: NodeJS.Timeout | undefined
  private reprovideRuns = 0
  private started = false

  constructor (private readonly components: DhtRoutingComponents, private readonly init: DhtRoutingInit) {
    const timeoutMs = init.provideTimeoutMs ?? PROVIDE_TIMEOUT_MS
    this.queue = new ProvideQueue({
      maxQueued: init.maxQueued ?? PROVIDE_QUEUE_MAX,
      concurrency: init.concurrency ?? PROVIDE_CONCURRENCY,
      lowConcurrency: init.lowConcurrency ?? PROVIDE_LOW_CONCURRENCY,
      ...(init.holdLow != null ? { holdLow: init.holdLow } : {}),
      provideOne: async (cid, signal) => {
        await components.contentRouting.provide(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })
      },
      onError: (cid, err) => { components.logger.warn({ cid: cid.toString(), err: err.message }, 'provide failed; retried at next re-provide') }
    })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const interval = this.init.reprovideIntervalMs ?? REPROVIDE_INTERVAL_MS
    this.timer = setInterval(() => {
      this.reprovideAll().catch(err => { this.components.logger.error({ err: (err as Error).message }, 're-provide failed') })
    }, interval)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.timer)
    this.queue.stop()
  }

  provide (cid: CID, priority: 'high' | 'low' = 'high'): void {
    this.queue.add(cid, priority)
  }

  async flush (options?: { signal?: AbortSignal }): Promise<void> {
    await this.queue.onIdle(options?.signal)
  }

  /** Queue every held CID again. Stops early, without error, when the queue fills up. */
  async reprovideAll (): Promise<void> {
    this.reprovideRuns++
    let n = 0
    for await (const cid of this.init.listHeld()) {
      try {
        this.queue.add(cid, 'low')
        n++
      } catch {
        this.components.logger.warn({ queued: n }, 're-provide stopped: queue full')
        return
      }
    }
  }

  async findProviders (cid: CID, options: FindProvidersOptions = {}): Promise<ProviderInfo[]> {
    const limit = options.limit ?? FIND_PROVIDERS_LIMIT
    const timeout = AbortSignal.timeout(options.timeoutMs ?? FIND_PROVIDERS_TIMEOUT_MS)
    const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
    const found = new Map<string, ProviderInfo>()
    const self = this.components.peerId
    try {
      for await (const p of this.components.contentRouting.findProviders(cid, { signal })) {
        if (p.id.equals(self)) continue
        const prev = found.get(p.id.toString())
        if (prev == null) found.set(p.id.toString(), { id: p.id, multiaddrs: [...p.multiaddrs] })
        else prev.multiaddrs.push(...p.multiaddrs)
        if (found.size >= limit) break
      }
    } catch (err) {
      // A timeout ends the lookup with what was found so far; a caller's abort propagates.
      if (options.signal?.aborted === true) throw err
      if (!timeout.aborted) this.components.logger.debug({ cid: cid.toString(), err: (err as Error).message }, 'findProviders ended with an error')
    }
    return [...found.values()]
  }

  stats (): RoutingStats {
    return { queued: this.queue.size, provided: this.queue.provided, failed: this.queue.failed, reprovideRuns: this.reprovideRuns }
  }
}
