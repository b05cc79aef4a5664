/**
 * What both usage logs share: the lifecycle, the bounded queue and its
 * batched writer, validation on the way in and out, pruning and reads of
 * events and roll-ups. Changes to what is stored go through `UsageStore`; a
 * subclass only stores strings under sortable keys (`UsageStorage`).
 */
import { USAGE_DROP_WARN_INTERVAL_MS, USAGE_MAX_TIME_MS, USAGE_TAIL_DEFAULT_LIMIT, USAGE_TAIL_MAX_LIMIT } from './constants.js'
import { InvalidUsageQueryError, UsageLogClosedError } from './errors.js'
import { CorruptRecords } from './corrupt.js'
import { usageLogOptions, type UsageLogOptions } from './options.js'
import { EventQueue } from './queue.js'
import { checkEvent, decodeEvent, EVENT_KEYS_END, MAX_SEQ, timeKey, usageKey } from './record.js'
import { checkRollupOptions, checkTime, checkTopLayersOptions, readRollups, topLayerWindows, topLayersOf } from './rollup-query.js'
import { UsageStore } from './usage-store.js'
import type {
  RangeOptions, RollupOptions, TailOptions, TopLayer, TopLayersOptions, UsageEvent, UsageLog, UsageLogComponents,
  UsageLogInit, UsageLogger, UsageLogStats, UsageRollup
} from './index.js'
import type { RollupFilter } from './rollup-query.js'
import type { BatchOp, KeyRange, UsageStorage } from './storage.js'

/** Keys deleted per storage call while pruning, and corrupt keys a read collects for deletion. */
const DELETE_CHUNK = 1000

const defaultLogger: UsageLogger = {
  debug: () => {},
  info: (obj, msg) => { console.info(`shoal:usage: ${msg}`, obj) },
  warn: (obj, msg) => { console.warn(`shoal:usage: ${msg}`, obj) },
  error: (obj, msg) => { console.error(`shoal:usage: ${msg}`, obj) }
}

type State = 'stopped' | 'starting' | 'running' | 'stopping'

export abstract class BaseUsageLog implements UsageLog {
  protected readonly logger: UsageLogger
  protected readonly options: UsageLogOptions
  private readonly now: () => number
  private readonly storage: UsageStorage
  private readonly store: UsageStore
  private readonly corrupt: CorruptRecords
  private state: State = 'stopped'
  private transition?: Promise<void>
  private readonly queue = new EventQueue<UsageEvent>()
  private seq = 0
  private readonly counts = { recorded: 0, dropped: 0, invalid: 0 }
  /** Events ever queued, and of those how many have left the queue (written, failed or pushed out). */
  private enqueued = 0
  private settled = 0
  private writing?: Promise<void>
  private flushTimer?: NodeJS.Timeout
  private flushImmediate?: NodeJS.Immediate
  private pruneTimer?: NodeJS.Timeout
  private pruning?: Promise<number>
  private readonly lastWarnMs = { dropped: -Infinity, invalid: -Infinity }

  constructor (init: UsageLogInit, components: UsageLogComponents) {
    this.options = usageLogOptions(init)
    this.logger = components.logger ?? defaultLogger
    this.now = components.now ?? Date.now
    this.storage = {
      getValues: async keys => await this.getValues(keys),
      applyBatch: async ops => { await this.applyBatch(ops) },
      readEntries: range => this.readEntries(range),
      readKeys: range => this.readKeys(range)
    }
    this.store = new UsageStore({ storage: this.storage, logger: this.logger, now: this.now })
    this.corrupt = new CorruptRecords(this.store, this.logger)
  }

  protected abstract openStorage (): Promise<void>
  protected abstract closeStorage (): Promise<void>
  /** See `UsageStorage`. */
  protected abstract getValues (keys: string[]): Promise<Array<string | undefined>>
  protected abstract applyBatch (ops: BatchOp[]): Promise<void>
  protected abstract readEntries (range: KeyRange): AsyncIterable<[string, string]>
  protected abstract readKeys (range: KeyRange): AsyncIterable<string>

  async start (): Promise<void> {
    while (this.transition != null) await this.transition.catch(() => {})
    if (this.state === 'running') return
    this.transition = this.open().finally(() => { this.transition = undefined })
    await this.transition
  }

  async stop (): Promise<void> {
    while (this.transition != null) await this.transition.catch(() => {})
    if (this.state !== 'running') return
    this.transition = this.close().finally(() => { this.transition = undefined })
    await this.transition
  }

  private async open (): Promise<void> {
    this.state = 'starting'
    try {
      await this.openStorage()
      try {
        await this.scan()
      } catch (err) {
        await this.closeStorage()
        throw err
      }
    } catch (err) {
      this.state = 'stopped'
      throw err
    }
    this.state = 'running'
    this.pruneTimer = setInterval(() => {
      this.prune().catch(err => { this.logger.error({ err }, 'could not prune the usage log') })
    }, this.options.pruneIntervalMs)
    this.pruneTimer.unref()
  }

  /** Count what is stored (rebuilding the roll-ups if they need it), continue the sequence after the highest one used, and prune. */
  private async scan (): Promise<void> {
    const { maxSeq, malformed } = await this.store.open()
    if (malformed > 0) {
      this.corrupt.count += malformed
      this.logger.warn({ malformed }, 'deleted usage records with malformed keys')
    }
    this.seq = maxSeq + 1 > MAX_SEQ ? 0 : maxSeq + 1
    await this.pruneNow()
  }

  private async close (): Promise<void> {
    this.state = 'stopping'
    clearInterval(this.pruneTimer)
    this.pruneTimer = undefined
    this.clearFlushTimers()
    try {
      while (this.queue.length > 0 || this.writing != null) await this.kick()
      await this.pruning?.catch(() => {})
      await this.corrupt.settled()
    } finally {
      try {
        await this.closeStorage()
      } finally {
        this.state = 'stopped'
      }
    }
  }

  record (event: UsageEvent): void {
    try {
      let problem = ''
      const checked = checkEvent(event, p => { problem = p })
      if (checked == null) {
        this.counts.invalid++
        this.warn('invalid', { invalid: this.counts.invalid, problem }, 'refused a malformed usage event')
        return
      }
      this.counts.recorded++
      if (this.state !== 'running') {
        this.counts.dropped++
        this.warn('dropped', { dropped: this.counts.dropped, state: this.state }, 'usage event dropped: the usage log is not running')
        return
      }
      if (this.queue.length >= this.options.maxQueuedEvents) {
        this.queue.shift()
        this.settled++
        this.counts.dropped++
        this.warn('dropped', { dropped: this.counts.dropped, maxQueuedEvents: this.options.maxQueuedEvents }, 'usage queue full: dropped the oldest waiting event')
      }
      this.queue.push({ key: usageKey(checked.timeMs, this.nextSeq()), event: checked })
      this.enqueued++
      this.schedule()
    } catch (err) {
      // record must never throw into a request; a failure here is a bug to log.
      try {
        this.logger.error({ err }, 'could not record a usage event')
      } catch {
        // A logger that throws has nowhere left to report to.
      }
    }
  }

  stats (): UsageLogStats {
    return { ...this.counts, corrupt: this.corrupt.count, stored: this.store.stored, queued: this.queue.length }
  }

  async tail (options: TailOptions = {}): Promise<UsageEvent[]> {
    const limit = options.limit ?? USAGE_TAIL_DEFAULT_LIMIT
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > USAGE_TAIL_MAX_LIMIT) {
      throw new InvalidUsageQueryError(`limit must be an integer from 1 to ${USAGE_TAIL_MAX_LIMIT}, got ${String(limit)}`)
    }
    if (options.sinceMs != null) checkTime(options.sinceMs, 'sinceMs')
    const { signal } = options
    signal?.throwIfAborted()
    this.requireRunning()
    await this.flush()
    const events: UsageEvent[] = []
    const range: KeyRange = { reverse: true, lt: EVENT_KEYS_END, ...(options.sinceMs != null ? { gte: timeKey(options.sinceMs) } : {}) }
    for await (const event of this.decoded(range, signal)) {
      events.push(event)
      if (events.length >= limit) break
    }
    return events.reverse()
  }

  async * range (options: RangeOptions): AsyncGenerator<UsageEvent> {
    checkTime(options.fromMs, 'fromMs')
    checkTime(options.toMs, 'toMs')
    if (options.fromMs > options.toMs) throw new InvalidUsageQueryError(`fromMs (${options.fromMs}) is after toMs (${options.toMs})`)
    options.signal?.throwIfAborted()
    this.requireRunning()
    await this.flush()
    yield * this.decoded({ gte: timeKey(options.fromMs), lt: timeKey(options.toMs) }, options.signal)
  }

  async * rollup (options: RollupOptions): AsyncGenerator<UsageRollup> {
    checkRollupOptions(options)
    options.signal?.throwIfAborted()
    this.requireRunning()
    await this.flush()
    yield * this.rollups({ ...options, minStartMs: options.bucket === 'minute' ? this.store.minuteCutoffMs() : 0 }, options.signal)
  }

  async topLayers (options: TopLayersOptions): Promise<TopLayer[]> {
    checkTopLayersOptions(options)
    options.signal?.throwIfAborted()
    this.requireRunning()
    await this.flush()
    const minuteCutoffMs = this.store.minuteCutoffMs()
    const windows = topLayerWindows(options.sinceMs, minuteCutoffMs, USAGE_MAX_TIME_MS)
    const rows = async function * (self: BaseUsageLog): AsyncGenerator<UsageRollup> {
      for (const w of windows) {
        yield * self.rollups({ ...w, minStartMs: w.bucket === 'minute' ? minuteCutoffMs : 0, region: options.region }, options.signal)
      }
    }
    return await topLayersOf(rows(this), options)
  }

  /** Roll-ups of a window; an unreadable one is skipped, counted once, and the roll-ups marked for a rebuild. */
  private async * rollups (filter: RollupFilter, signal: AbortSignal | undefined): AsyncGenerator<UsageRollup> {
    const corrupt: string[] = []
    try {
      yield * readRollups(this.storage, filter, signal, key => { if (corrupt.length < DELETE_CHUNK) corrupt.push(key) })
    } catch (err) {
      if (this.state !== 'running' && (err as Error).name !== 'AbortError') throw new UsageLogClosedError('the usage log was stopped during the read')
      throw err
    } finally {
      if (corrupt.length > 0) this.corrupt.rollups(corrupt, this.state === 'running')
    }
  }

  async prune (options: { signal?: AbortSignal } = {}): Promise<number> {
    this.requireRunning()
    options.signal?.throwIfAborted()
    if (this.pruning == null) {
      this.pruning = this.pruneNow().finally(() => { this.pruning = undefined })
    }
    return await this.pruning
  }

  /** Events before the retention cutoff, then the oldest beyond maxEvents, then roll-up buckets past their window. */
  private async pruneNow (): Promise<number> {
    const cutoffMs = this.now() - this.options.retentionMs
    let removed = 0
    let doomed: string[] = []
    for await (const key of this.readKeys({ lt: timeKey(cutoffMs) })) {
      doomed.push(key)
      if (doomed.length >= DELETE_CHUNK) {
        removed += await this.store.deleteEvents(doomed)
        doomed = []
      }
    }
    if (doomed.length > 0) removed += await this.store.deleteEvents(doomed)
    const excess = this.store.stored - this.options.maxEvents
    if (excess > 0) removed += await this.deleteOldest(excess)
    const buckets = await this.store.dropExpiredBuckets(cutoffMs)
    if (removed > 0 || buckets > 0) this.logger.debug({ removed, buckets, stored: this.store.stored }, 'pruned the usage log')
    return removed
  }

  private async deleteOldest (n: number): Promise<number> {
    let removed = 0
    let doomed: string[] = []
    for await (const key of this.readKeys({ lt: EVENT_KEYS_END })) {
      doomed.push(key)
      if (doomed.length >= Math.min(DELETE_CHUNK, n - removed)) {
        removed += await this.store.deleteEvents(doomed)
        doomed = []
        if (removed >= n) break
      }
    }
    if (doomed.length > 0) removed += await this.store.deleteEvents(doomed)
    return removed
  }

  /** Stored events of a key range, decoded; corrupt ones are skipped, counted and deleted afterwards. */
  private async * decoded (range: KeyRange, signal: AbortSignal | undefined): AsyncGenerator<UsageEvent> {
    this.requireRunning()
    const corrupt: string[] = []
    try {
      for await (const [key, value] of this.readEntries(range)) {
        signal?.throwIfAborted()
        const event = decodeEvent(key, value)
        if (event == null) {
          if (corrupt.length < DELETE_CHUNK) corrupt.push(key)
          continue
        }
        yield event
      }
    } catch (err) {
      if (this.state !== 'running' && (err as Error).name !== 'AbortError') throw new UsageLogClosedError('the usage log was stopped during the read')
      throw err
    } finally {
      if (corrupt.length > 0) this.corrupt.events(corrupt, this.state === 'running')
    }
  }

  // ---- the queue's writer ----

  private schedule (): void {
    if (this.queue.length >= this.options.batchEvents) {
      // Deferred, so a burst of records in one tick is written as one batch.
      if (this.flushImmediate == null && this.writing == null) {
        this.flushImmediate = setImmediate(() => { this.flushImmediate = undefined; void this.kick() })
      }
    } else if (this.flushTimer == null) {
      this.flushTimer = setTimeout(() => { this.flushTimer = undefined; void this.kick() }, this.options.flushIntervalMs)
      this.flushTimer.unref()
    }
  }

  private clearFlushTimers (): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.flushImmediate != null) clearImmediate(this.flushImmediate)
    this.flushImmediate = undefined
  }

  /** Start a write pass unless one runs; resolves when the pass ends. Never rejects. */
  private kick (): Promise<void> {
    if (this.writing == null) {
      this.writing = this.writePass().finally(() => {
        this.writing = undefined
        if (this.queue.length > 0 && this.state === 'running') this.schedule()
      })
    }
    return this.writing
  }

  /** Write what is queued when the pass starts, a batch at a time; a failed batch is dropped and logged. */
  private async writePass (): Promise<void> {
    this.clearFlushTimers()
    let left = this.queue.length
    while (left > 0) {
      const batch = this.queue.take(Math.min(left, this.options.batchEvents))
      if (batch.length === 0) break
      left -= batch.length
      try {
        await this.store.write(batch)
      } catch (err) {
        this.counts.dropped += batch.length
        this.logger.error({ err, events: batch.length, dropped: this.counts.dropped }, 'could not write usage events; dropped them')
      } finally {
        this.settled += batch.length
      }
    }
  }

  /** Wait until every event queued before the call has been written (or dropped). */
  private async flush (): Promise<void> {
    const target = this.enqueued
    while (this.settled < target) await this.kick()
  }

  // ---- helpers ----

  private requireRunning (): void {
    if (this.state !== 'running') throw new UsageLogClosedError()
  }

  private nextSeq (): number {
    const seq = this.seq
    this.seq = seq >= MAX_SEQ ? 0 : seq + 1
    return seq
  }

  /** At most one warning of a kind per USAGE_DROP_WARN_INTERVAL_MS; each carries the running count. */
  private warn (kind: 'dropped' | 'invalid', obj: object, msg: string): void {
    const now = this.now()
    if (now - this.lastWarnMs[kind] < USAGE_DROP_WARN_INTERVAL_MS) return
    this.lastWarnMs[kind] = now
    this.logger.warn(obj, msg)
  }
}
