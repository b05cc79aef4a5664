/**
 * The daemon's threat guard. Every blob stored is scanned once, off the hot
 * path, through a bounded queue; its scan (and so its threat score) is kept
 * in the scan cache for the priority and eviction work. When the feeds hold
 * a malware list, or block levels are set, the guard also judges blobs on
 * the serving path (`admit`): a blob that fails is put in quarantine (its
 * shards deleted, so it is no longer served or announced, and the digest
 * refused from then on) and the request gets the reason.
 */
import type { Logger } from 'pino'
import type { ThreatLookup } from '../lookup.js'
import { assessLayer, inventoryOf, type LayerScan, type ScanCache } from '../scan/index.js'
import type { QuarantineRecord } from '../scan/scan-cache.js'
import { GUARD_QUEUE_LENGTH, GUARD_SCAN_CONCURRENCY } from './constants.js'
import { QuarantinedError } from './errors.js'
import { quarantineReason, type BlockLevel } from './policy.js'

export interface GuardStore {
  hasBlob (digest: string, opts?: { signal?: AbortSignal }): Promise<boolean>
  readBlob (digest: string, opts?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
  deleteBlob (digest: string): Promise<boolean>
}

export interface ThreatGuardComponents {
  store: GuardStore
  lookup: ThreatLookup
  cache: ScanCache
  logger: Logger
  /** Whether the feeds hold a malware list (asked at start and after each feed change). */
  hasMalwareFeed: () => Promise<boolean>
}

export interface ThreatGuardInit {
  /** @default [] (malware only) */
  block?: BlockLevel[]
  /** @default GUARD_QUEUE_LENGTH (1024) */
  queueLength?: number
  /** @default GUARD_SCAN_CONCURRENCY (1) */
  concurrency?: number
}

export interface GuardStats {
  queued: number
  dropped: number
  scanned: number
  failed: number
  quarantined: number
}

export type QuarantineListener = (record: QuarantineRecord, scan: LayerScan) => void

export class ThreatGuard {
  readonly stats: GuardStats = { queued: 0, dropped: 0, scanned: 0, failed: 0, quarantined: 0 }
  readonly #queue: string[] = []
  /** Queued or being scanned in the background. */
  readonly #queued = new Set<string>()
  readonly #admitting = new Map<string, Promise<LayerScan>>()
  readonly #listeners = new Set<QuarantineListener>()
  readonly #controller = new AbortController()
  #workers = 0
  #gating = false
  #generation = ''
  #started = false

  constructor (private readonly components: ThreatGuardComponents, private readonly init: ThreatGuardInit = {}) {}

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    await this.feedsChanged()
  }

  stop (): void {
    this.#controller.abort(new Error('the threat guard is stopping'))
    this.#queue.length = 0
    this.#queued.clear()
  }

  /** True when blobs are judged before they are served whole. */
  get gating (): boolean {
    return this.#gating
  }

  get queueLength (): number {
    return this.#queue.length
  }

  onQuarantine (listener: QuarantineListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Re-read what the feeds are; scans of another generation are stale from now on. */
  async feedsChanged (): Promise<void> {
    this.#generation = await this.components.lookup.generation()
    this.#gating = (this.init.block?.length ?? 0) > 0 || await this.components.hasMalwareFeed()
  }

  async quarantined (digest: string): Promise<QuarantineRecord | undefined> {
    return await this.components.cache.getQuarantine(digest)
  }

  /** The latest scan of a blob, current or not. */
  async scanOf (digest: string): Promise<LayerScan | undefined> {
    return await this.components.cache.getScan(digest)
  }

  /**
   * Judge a stored blob now (from the cached scan when it is current).
   * Throws QuarantinedError when it fails; the blob is then deleted.
   */
  async admit (digest: string, signal?: AbortSignal): Promise<LayerScan> {
    // One admission per blob at a time: the mirror and the background queue may ask together.
    const running = this.#admitting.get(digest)
    if (running != null) return await running
    const job = this.#admit(digest, signal)
    this.#admitting.set(digest, job)
    try {
      return await job
    } finally {
      this.#admitting.delete(digest)
    }
  }

  async #admit (digest: string, signal?: AbortSignal): Promise<LayerScan> {
    const q = await this.quarantined(digest)
    if (q != null) throw new QuarantinedError(digest, q.reason)
    const scan = await this.#judge(digest, signal)
    const reason = quarantineReason(scan, this.init.block ?? [])
    if (reason != null) {
      await this.#quarantine(digest, reason, scan)
      throw new QuarantinedError(digest, reason)
    }
    return scan
  }

  /** Queue a stored blob for a background scan; false when the queue is full or it is already queued or being scanned. */
  enqueue (digest: string): boolean {
    if (this.#controller.signal.aborted || this.#queued.has(digest)) return false
    if (this.#queue.length >= (this.init.queueLength ?? GUARD_QUEUE_LENGTH)) {
      this.stats.dropped++
      return false
    }
    this.#queue.push(digest)
    this.#queued.add(digest)
    this.stats.queued++
    this.#pump()
    return true
  }

  #pump (): void {
    while (this.#workers < (this.init.concurrency ?? GUARD_SCAN_CONCURRENCY) && this.#queue.length > 0) {
      const digest = this.#queue.shift()!
      this.#workers++
      void this.#background(digest).finally(() => {
        this.#queued.delete(digest)
        this.#workers--
        this.#pump()
      })
    }
  }

  async #background (digest: string): Promise<void> {
    const signal = this.#controller.signal
    try {
      if (!await this.components.store.hasBlob(digest, { signal })) return // deleted, or not whole yet
      await this.admit(digest, signal)
    } catch (err) {
      if ((err as Error).name === 'QuarantinedError' || signal.aborted) return
      this.stats.failed++
      this.components.logger.warn({ digest, err }, 'threat scan failed')
    }
  }

  /** The blob's scan under the current feeds: cached, re-judged from a cached inventory, or read from the store. */
  async #judge (digest: string, signal?: AbortSignal): Promise<LayerScan> {
    const { cache } = this.components
    const cached = await cache.getScan(digest)
    if (cached != null && cached.generation === this.#generation) return cached
    let inventory = await cache.getInventory(digest)
    if (inventory == null) {
      inventory = await inventoryOf(this.components.store.readBlob(digest, { ...(signal != null ? { signal } : {}) }), { ...(signal != null ? { signal } : {}) })
      if (inventory.error != null) this.components.logger.warn({ digest, error: inventory.error }, 'layer could not be read to its end; judged on what was read')
      await cache.putInventory(digest, inventory)
    }
    const scan = await assessLayer(inventory, this.components.lookup, digest)
    await cache.putScan(digest, scan)
    this.stats.scanned++
    return scan
  }

  async #quarantine (digest: string, reason: string, scan: LayerScan): Promise<void> {
    const record: QuarantineRecord = { digest, reason, at: new Date().toISOString() }
    await this.components.cache.putQuarantine(record)
    await this.components.store.deleteBlob(digest)
    this.stats.quarantined++
    this.components.logger.warn({ digest, reason }, 'blob quarantined: it will not be served or announced')
    for (const l of this.#listeners) l(record, scan)
  }

  /** Release a blob from quarantine (an operator's decision, e.g. a false positive on a list). */
  async release (digest: string): Promise<boolean> {
    return await this.components.cache.deleteQuarantine(digest)
  }
}
