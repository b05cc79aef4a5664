/**
 * Every change to the stored events and their roll-ups. A change is one
 * atomic batch holding the events written or deleted, the roll-up counts
 * they move and the new roll-up state, so a crash or a failed write never
 * leaves roll-ups counting events that are not stored, or the reverse.
 * Changes take turns (each reads the counts it adds to).
 *
 * Hour roll-ups count exactly the stored events: pruning an event subtracts
 * it. Minute roll-ups do the same for buckets inside the minute window
 * (USAGE_MINUTE_ROLLUP_RETENTION_MS); older minute buckets are never written
 * again, never read, and deleted by `dropExpiredBuckets`. With a clock that
 * does not go back, a minute bucket read inside the window was inside it at
 * every write, so it holds all its events.
 */
import { USAGE_MINUTE_ROLLUP_RETENTION_MS, USAGE_REBUILD_CHUNK_KEYS, USAGE_REBUILD_LOG_EVERY_EVENTS } from './constants.js'
import { EVENT_KEYS_END, decodeEvent, encodeEvent, parseUsageKey, timeKey } from './record.js'
import { RollupDeltas } from './rollup-deltas.js'
import {
  ROLLUP_KEYS_END, ROLLUP_KEYS_START, ROLLUP_STATE_KEY, ROLLUP_VERSION, bucketStartMs, decodeState, encodeState,
  rollupTimeKey, rollupWidthRange
} from './rollup-record.js'
import type { UsageEvent, UsageLogger } from './index.js'
import type { QueuedEvent } from './queue.js'
import type { BatchOp, KeyRange, UsageStorage } from './storage.js'

/** Keys deleted per batch when a range of keys goes. */
const DELETE_CHUNK = 1000

export interface UsageStoreComponents {
  storage: UsageStorage
  logger: UsageLogger
  now: () => number
}

export interface OpenResult {
  /** The highest sequence number of a stored event (-1 when none). */
  maxSeq: number
  /** Keys that are neither events nor roll-ups, deleted. */
  malformed: number
}

export class UsageStore {
  /** Event keys stored (readable or not). */
  stored = 0
  private maxSeq = -1
  private damaged = false
  private turn: Promise<unknown> = Promise.resolve()
  private readonly storage: UsageStorage
  private readonly logger: UsageLogger
  private readonly now: () => number

  constructor (components: UsageStoreComponents) {
    this.storage = components.storage
    this.logger = components.logger
    this.now = components.now
  }

  /** The start of the oldest minute bucket kept: older ones are not written, not read, and deleted. */
  minuteCutoffMs (): number {
    return bucketStartMs('minute', this.now() - USAGE_MINUTE_ROLLUP_RETENTION_MS)
  }

  /**
   * Count the stored events, delete keys that belong to neither events nor
   * roll-ups, and rebuild the roll-ups when their state does not vouch for
   * them (an upgrade from a store without roll-ups, damage).
   */
  async open (): Promise<OpenResult> {
    return await this.exclusive(async () => {
      let events = 0
      let maxSeq = -1
      let malformed = 0
      let doomed: string[] = []
      // Everything but the roll-ups, which may be many: an unreadable one is found when read, and marks them for a rebuild.
      for (const range of [{ lt: ROLLUP_KEYS_START }, { gte: ROLLUP_KEYS_END }]) {
        for await (const key of this.storage.readKeys(range)) {
          const k = parseUsageKey(key)
          if (k != null) {
            events++
            maxSeq = Math.max(maxSeq, k.seq)
            continue
          }
          malformed++
          doomed.push(key)
          if (doomed.length >= DELETE_CHUNK) {
            await this.storage.applyBatch(doomed.map(key => ({ type: 'del', key })))
            doomed = []
          }
        }
      }
      if (doomed.length > 0) await this.storage.applyBatch(doomed.map(key => ({ type: 'del', key })))

      const [value] = await this.storage.getValues([ROLLUP_STATE_KEY])
      const state = decodeState(value)
      let reason: string | undefined
      if (state == null) reason = value == null ? 'no roll-ups (a store written before them)' : 'the roll-up state is unreadable'
      else if (state.version !== ROLLUP_VERSION) reason = `roll-ups of version ${state.version}, expected ${ROLLUP_VERSION}`
      else if (state.damaged) reason = 'the roll-ups were found damaged'
      else if (state.events !== events) reason = `the roll-ups count ${state.events} events, ${events} are stored`
      else if (maxSeq > state.maxSeq) reason = 'events were written without roll-ups'

      this.stored = events
      this.maxSeq = Math.max(maxSeq, state?.maxSeq ?? -1)
      this.damaged = false
      if (reason != null && (events > 0 || value != null || await this.anyRollups())) await this.rebuild(reason)
      else if (reason != null) await this.storage.applyBatch([this.statePut(events, this.maxSeq)])
      return { maxSeq, malformed }
    })
  }

  /** Store queued events and count them in their roll-ups, in one batch. */
  async write (batch: Array<QueuedEvent<UsageEvent>>): Promise<void> {
    await this.exclusive(async () => {
      const deltas = new RollupDeltas(this.minuteCutoffMs())
      let maxSeq = this.maxSeq
      const ops: BatchOp[] = []
      for (const { key, event } of batch) {
        ops.push({ type: 'put', key, value: encodeEvent(event) })
        deltas.add(event, 1)
        maxSeq = Math.max(maxSeq, parseUsageKey(key)?.seq ?? -1)
      }
      ops.push(...await deltas.ops(this.storage, key => { this.foundDamage(key) }))
      ops.push(this.statePut(this.stored + batch.length, maxSeq))
      await this.storage.applyBatch(ops)
      this.stored += batch.length
      this.maxSeq = maxSeq
    })
  }

  /**
   * Delete events and take them out of their roll-ups, in one batch. Keys
   * already gone are skipped; an unreadable record is deleted without
   * changing the roll-ups (what it counted is unknown). Returns how many went.
   */
  async deleteEvents (keys: string[]): Promise<number> {
    if (keys.length === 0) return 0
    return await this.exclusive(async () => {
      const values = await this.storage.getValues(keys)
      const deltas = new RollupDeltas(this.minuteCutoffMs())
      const ops: BatchOp[] = []
      keys.forEach((key, i) => {
        const value = values[i]
        if (value == null) return
        ops.push({ type: 'del', key })
        const event = decodeEvent(key, value)
        if (event != null) deltas.add(event, -1)
      })
      if (ops.length === 0) return 0
      const removed = ops.length
      ops.push(...await deltas.ops(this.storage, key => { this.foundDamage(key) }))
      ops.push(this.statePut(this.stored - removed, this.maxSeq))
      await this.storage.applyBatch(ops)
      this.stored -= removed
      return removed
    })
  }

  /**
   * Delete minute buckets before the minute window, and hour buckets that
   * ended before `retentionCutoffMs` once no stored event is that old (so a
   * late event of an old hour keeps its bucket until it is pruned itself).
   */
  async dropExpiredBuckets (retentionCutoffMs: number): Promise<number> {
    let removed = await this.dropRange({ ...rollupWidthRange('minute'), lt: rollupTimeKey('minute', this.minuteCutoffMs()) })
    const hourEnd = bucketStartMs('hour', retentionCutoffMs)
    // One turn for the check and the deletes, so no old event slips in between.
    removed += await this.exclusive(async () => {
      for await (const _ of this.storage.readKeys({ lt: timeKey(hourEnd) })) return 0
      return await this.deleteRange({ ...rollupWidthRange('hour'), lt: rollupTimeKey('hour', hourEnd) })
    })
    return removed
  }

  /** A roll-up was found unreadable: mark the state so the next start rebuilds. */
  async markDamaged (): Promise<void> {
    if (this.damaged) return
    this.damaged = true
    await this.exclusive(async () => { await this.storage.applyBatch([this.statePut(this.stored, this.maxSeq)]) })
  }

  private foundDamage (key: string): void {
    this.damaged = true
    this.logger.warn({ key }, 'found an unreadable usage roll-up; replaced it, and the roll-ups will be rebuilt at the next start')
  }

  /**
   * Recount every roll-up from the stored events. The state goes first, so
   * a crash part way leaves none and the next start begins again. Memory is
   * bounded: counts are written out every USAGE_REBUILD_CHUNK_KEYS keys.
   */
  private async rebuild (reason: string): Promise<void> {
    const startedMs = performance.now()
    this.logger.warn({ reason, events: this.stored }, 'rebuilding the usage roll-ups from the stored events')
    await this.storage.applyBatch([{ type: 'del', key: ROLLUP_STATE_KEY }])
    const deletedKeys = await this.deleteRange({ gte: ROLLUP_KEYS_START, lt: ROLLUP_KEYS_END })
    let events = 0
    let unreadable = 0
    let maxSeq = this.maxSeq
    let written = 0
    let deltas = new RollupDeltas(this.minuteCutoffMs())
    const flush = async (): Promise<void> => {
      const ops = await deltas.ops(this.storage, () => {})
      await this.storage.applyBatch(ops)
      written += ops.length
      deltas = new RollupDeltas(this.minuteCutoffMs())
    }
    for await (const [key, value] of this.storage.readEntries({ lt: EVENT_KEYS_END })) {
      const k = parseUsageKey(key)
      if (k == null) continue
      events++
      maxSeq = Math.max(maxSeq, k.seq)
      // Unreadable events are left for the reads, which count and delete them.
      const event = decodeEvent(key, value)
      if (event == null) unreadable++
      else deltas.add(event, 1)
      if (deltas.size >= USAGE_REBUILD_CHUNK_KEYS) await flush()
      if (events % USAGE_REBUILD_LOG_EVERY_EVENTS === 0) this.logger.info({ events, of: this.stored }, 'rebuilding the usage roll-ups')
    }
    await flush()
    await this.storage.applyBatch([this.statePut(events, maxSeq, false)])
    this.stored = events
    this.maxSeq = maxSeq
    this.damaged = false
    this.logger.info({ events, unreadable, deletedKeys, writes: written, durationMs: Math.round(performance.now() - startedMs) }, 'rebuilt the usage roll-ups')
  }

  /** Whether any roll-up is stored (a store with no events, no state and no roll-ups is new, not damaged). */
  private async anyRollups (): Promise<boolean> {
    for await (const _ of this.storage.readKeys({ gte: ROLLUP_KEYS_START, lt: ROLLUP_KEYS_END })) return true
    return false
  }

  private async dropRange (range: KeyRange): Promise<number> {
    let removed = 0
    let doomed: string[] = []
    for await (const key of this.storage.readKeys(range)) {
      doomed.push(key)
      if (doomed.length >= DELETE_CHUNK) {
        removed += await this.exclusive(async () => await this.deleteKeys(doomed))
        doomed = []
      }
    }
    if (doomed.length > 0) removed += await this.exclusive(async () => await this.deleteKeys(doomed))
    return removed
  }

  /** Like `dropRange`, for a caller that already has the turn. */
  private async deleteRange (range: KeyRange): Promise<number> {
    let removed = 0
    let doomed: string[] = []
    for await (const key of this.storage.readKeys(range)) {
      doomed.push(key)
      if (doomed.length >= DELETE_CHUNK) {
        removed += await this.deleteKeys(doomed)
        doomed = []
      }
    }
    if (doomed.length > 0) removed += await this.deleteKeys(doomed)
    return removed
  }

  private async deleteKeys (keys: string[]): Promise<number> {
    await this.storage.applyBatch(keys.map(key => ({ type: 'del', key })))
    return keys.length
  }

  private statePut (events: number, maxSeq: number, damaged = this.damaged): BatchOp {
    return { type: 'put', key: ROLLUP_STATE_KEY, value: encodeState({ version: ROLLUP_VERSION, events, maxSeq: Math.max(0, maxSeq), damaged }) }
  }

  /** Run `fn` when every change started before it has finished. */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn)
    this.turn = run.catch(() => {})
    return await run
  }
}
