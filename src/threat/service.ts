/**
 * The threat subsystem as one object with the operations users ask for:
 * feeds (add, list, update, remove), scans of layers and images, a blob's
 * score, and the quarantine. The daemon runs one over `<data>/threat` (the
 * feeds) and `<data>/scans` (inventories, scores, quarantine) with a
 * `ThreatGuard` watching its store; the CLI opens the same directories
 * itself when no daemon is running, so `shoal threat` works offline too.
 */
import type { Logger } from 'pino'
import type { ThreatFeedStore } from './feeds/store.js'
import type { FeedInfo, FeedKind, FeedUpdateResult } from './feeds/store-types.js'
import { resolveTarget, scanImage, ScanCache, type ImageRegistry, type ImageScan, type LayerScan } from './scan/index.js'
import type { QuarantineRecord } from './scan/scan-cache.js'
import type { ThreatGuard } from './guard/index.js'


export interface ThreatServiceComponents {
  feeds: ThreatFeedStore
  cache: ScanCache
  /** The daemon's guard: told when feeds change, asked for scores and the quarantine. */
  guard?: ThreatGuard
  /** Where image references are fetched from. */
  registry?: ImageRegistry
  /** Blobs held locally, re-judged after a feed change (the daemon's store). */
  heldBlobs?: () => AsyncIterable<string>
  /** Called by `close` after the stores are closed (e.g. to close the registry client). */
  onClose?: () => Promise<void>
  logger: Logger
}

export class ThreatService {
  constructor (readonly components: ThreatServiceComponents) {}

  async listFeeds (): Promise<FeedInfo[]> {
    return this.components.feeds.list()
  }

  async addFeed (input: { source: string, kind?: string, name?: string, signal?: AbortSignal }): Promise<FeedInfo> {
    const added = await this.components.feeds.add({
      source: input.source,
      ...(input.kind != null ? { kind: input.kind as FeedKind } : {}),
      ...(input.name != null ? { name: input.name } : {}),
      ...(input.signal != null ? { signal: input.signal } : {})
    })
    await this.#feedsChanged()
    return added
  }

  /** Each feed's result; a failure's error becomes its message (the result travels as JSON). */
  async updateFeeds (input: { name?: string, signal?: AbortSignal }): Promise<Array<Omit<FeedUpdateResult, 'error'> & { error?: string }>> {
    const updated = await this.components.feeds.update(input)
    if (updated.some(u => u.status === 'updated')) await this.#feedsChanged()
    return updated.map(({ error, ...u }) => ({ ...u, ...(error != null ? { error: `${error.name}: ${error.message}` } : {}) }))
  }

  async removeFeed (name: string): Promise<{ removed: string }> {
    await this.components.feeds.remove(name)
    await this.#feedsChanged()
    return { removed: name }
  }

  hasMalwareFeed (): boolean {
    return this.components.feeds.list().some(f => f.kind === 'malware')
  }

  async scan (target: string, options: { platform?: string, signal?: AbortSignal } = {}): Promise<ImageScan> {
    const resolved = await resolveTarget(target, {
      ...(this.components.registry != null ? { registry: this.components.registry } : {}),
      ...(options.platform != null ? { platform: options.platform } : {}),
      ...(options.signal != null ? { signal: options.signal } : {})
    })
    return await scanImage(target, resolved.layers, this.components.feeds, {
      cache: this.components.cache,
      ...(resolved.digest != null ? { digest: resolved.digest } : {}),
      ...(options.signal != null ? { signal: options.signal } : {})
    })
  }

  /** A blob's scan: judged now by the guard when the blob is held, else the last one kept. */
  async score (digest: string, signal?: AbortSignal): Promise<LayerScan | undefined> {
    const { guard, cache } = this.components
    if (guard != null) {
      const q = await guard.quarantined(digest)
      if (q == null) {
        try {
          return await guard.admit(digest, signal)
        } catch (err) {
          if (!['BlobNotFoundError', 'QuarantinedError'].includes((err as Error).name)) throw err
        }
      }
    }
    return await cache.getScan(digest)
  }

  async quarantine (): Promise<QuarantineRecord[]> {
    const out: QuarantineRecord[] = []
    for await (const r of this.components.cache.quarantine()) out.push(r)
    return out
  }

  async release (digest: string): Promise<boolean> {
    return await this.components.cache.deleteQuarantine(digest)
  }

  async close (): Promise<void> {
    await this.components.feeds.close()
    await this.components.cache.stop()
    await this.components.onClose?.()
  }

  /** New feeds: the guard re-reads them, and every held blob is judged again in the background. */
  async #feedsChanged (): Promise<void> {
    const { guard, heldBlobs } = this.components
    if (guard == null) return
    await guard.feedsChanged()
    if (heldBlobs == null) return
    let dropped = 0
    for await (const digest of heldBlobs()) if (!guard.enqueue(digest)) dropped++
    if (dropped > 0) this.components.logger.info({ dropped }, 'more held blobs than the scan queue holds: the rest are judged when next served')
  }
}
