/**
 * Pull sessions, the transactions rules are mined from: the distinct items
 * one client (or region) requested with no pause longer than
 * `sessionGapMs`, cut at `maxSessionMs`, each with the offset of its first
 * request from the session's start (the delays of "after A, B within t").
 * Open sessions sit in a map in order of last activity, so the least
 * recently active one is the first to close when `maxOpenSessions` is
 * reached. Closed sessions form the history, bounded by `maxSessions` and,
 * at each `expire`, by `historyMs`.
 */
import type { RuleMinerOptions } from './options.js'

export interface Session {
  startMs: number
  /** The time of the session's last request. */
  endMs: number
  /** Distinct items, in order of first request. */
  items: string[]
  /** `offsetsMs[i]`: when `items[i]` was first requested, ms after `startMs`. */
  offsetsMs: number[]
}

interface OpenSession extends Session {
  seen: Set<string>
}

export class SessionStore {
  /** Requests not recorded because their item was new and `maxItems` items were held. */
  refusedItems = 0
  /** Requests not recorded because their session already held `maxItemsPerSession` items. */
  truncatedItems = 0
  /** Sessions that left the history because it held `maxSessions`. */
  droppedSessions = 0
  /** Sessions that left the history because they ended more than `historyMs` ago. */
  expiredSessions = 0
  private readonly open = new Map<string, OpenSession>()
  /** `closed[0..head)` are gone (cleared, so their items can be collected). */
  private closed: Array<Session | undefined> = []
  private head = 0
  /** How many sessions, open or kept, hold each item. */
  private readonly holding = new Map<string, number>()

  constructor (private readonly options: RuleMinerOptions) {}

  /** Record that `key` requested `item` at `tsMs` (not older than any earlier call). */
  add (key: string, item: string, tsMs: number): void {
    const { sessionGapMs, maxSessionMs, maxOpenSessions, maxItemsPerSession, maxItems } = this.options
    let session = this.open.get(key)
    if (session !== undefined) {
      this.open.delete(key)
      if (tsMs - session.endMs > sessionGapMs || tsMs - session.startMs >= maxSessionMs) {
        this.close(session)
        session = undefined
      }
    }
    if (session === undefined) {
      if (this.open.size >= maxOpenSessions) {
        const [oldestKey, oldest] = this.open.entries().next().value as [string, OpenSession]
        this.open.delete(oldestKey)
        this.close(oldest)
      }
      session = { startMs: tsMs, endMs: tsMs, items: [], offsetsMs: [], seen: new Set() }
    }
    this.open.set(key, session)
    session.endMs = tsMs
    if (session.seen.has(item)) return
    if (session.items.length >= maxItemsPerSession) {
      this.truncatedItems++
      return
    }
    const holders = this.holding.get(item)
    if (holders === undefined && this.holding.size >= maxItems) {
      this.refusedItems++
      return
    }
    this.holding.set(item, (holders ?? 0) + 1)
    session.seen.add(item)
    session.items.push(item)
    session.offsetsMs.push(tsMs - session.startMs)
  }

  /** Close every open session that has ended by `nowMs` (idle past the gap, or at its longest). */
  closeIdle (nowMs: number): void {
    const { sessionGapMs, maxSessionMs } = this.options
    for (const [key, session] of this.open) {
      if (nowMs - session.endMs > sessionGapMs || nowMs - session.startMs >= maxSessionMs) {
        this.open.delete(key)
        this.close(session)
      }
    }
  }

  /** Drop the kept sessions that ended before `nowMs - historyMs`. */
  expire (nowMs: number): void {
    const cutoff = nowMs - this.options.historyMs
    const kept: Session[] = []
    for (let i = this.head; i < this.closed.length; i++) {
      const session = this.closed[i] as Session
      if (session.endMs >= cutoff) {
        kept.push(session)
      } else {
        this.release(session)
        this.expiredSessions++
      }
    }
    this.closed = kept
    this.head = 0
  }

  /** The closed sessions kept, oldest closed first. */
  history (): readonly Session[] {
    if (this.head > 0) {
      this.closed = this.closed.slice(this.head)
      this.head = 0
    }
    return this.closed as readonly Session[]
  }

  get openSessions (): number {
    return this.open.size
  }

  get keptSessions (): number {
    return this.closed.length - this.head
  }

  /** Distinct items held by open or kept sessions. */
  get items (): number {
    return this.holding.size
  }

  private close (session: OpenSession): void {
    // A session whose every item was refused says nothing, and would only dilute the supports.
    if (session.items.length === 0) return
    this.closed.push({ startMs: session.startMs, endMs: session.endMs, items: session.items, offsetsMs: session.offsetsMs })
    if (this.closed.length - this.head > this.options.maxSessions) {
      this.release(this.closed[this.head] as Session)
      this.closed[this.head++] = undefined
      this.droppedSessions++
      if (this.head > 1024 && this.head * 2 > this.closed.length) {
        this.closed = this.closed.slice(this.head)
        this.head = 0
      }
    }
  }

  private release (session: Session): void {
    for (const item of session.items) {
      const holders = (this.holding.get(item) ?? 1) - 1
      if (holders === 0) this.holding.delete(item)
      else this.holding.set(item, holders)
    }
  }
}
