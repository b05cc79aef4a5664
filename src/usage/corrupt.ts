/**
 * Records that reads find unreadable: each is counted once, an event is
 * deleted and a roll-up marks the roll-ups for a rebuild, in the background
 * (a read never waits for the repair). `stop` waits for what is under way.
 */
import type { UsageLogger } from './index.js'
import type { UsageStore } from './usage-store.js'

/**
 * Keys already counted, so that a read that overlaps their deletion (or a
 * read of a snapshot taken before it) counts each once. Keys are never
 * reused; the set is emptied when it grows past this.
 */
const KEYS_REMEMBERED = 10_000

export class CorruptRecords {
  /** Records found unreadable (or with malformed keys) since construction. */
  count = 0
  private readonly seen = new Set<string>()
  private readonly repairs = new Set<Promise<void>>()

  constructor (private readonly store: UsageStore, private readonly logger: UsageLogger) {}

  /** Keys of `found` not reported before, now remembered. */
  private fresh (found: string[]): string[] {
    const keys = found.filter(k => !this.seen.has(k))
    if (this.seen.size + keys.length > KEYS_REMEMBERED) this.seen.clear()
    for (const k of keys) this.seen.add(k)
    this.count += keys.length
    return keys
  }

  /** Unreadable events: counted, and deleted unless the log is no longer running. */
  events (found: string[], running: boolean): void {
    const keys = this.fresh(found)
    if (keys.length === 0) return
    this.logger.warn({ keys: keys.slice(0, 10), count: keys.length }, 'skipped corrupt usage records; deleting them')
    if (running) this.repair(this.store.deleteEvents(keys), { count: keys.length }, 'could not delete corrupt usage records')
  }

  /** Unreadable roll-ups: counted, and the roll-ups marked so the next start rebuilds them. */
  rollups (found: string[], running: boolean): void {
    const keys = this.fresh(found)
    if (keys.length === 0) return
    this.logger.warn({ keys: keys.slice(0, 10), count: keys.length }, 'skipped unreadable usage roll-ups; they will be rebuilt at the next start')
    if (running) this.repair(this.store.markDamaged(), { count: keys.length }, 'could not mark the usage roll-ups for a rebuild')
  }

  /** Resolves when every repair started so far has ended. */
  async settled (): Promise<void> {
    await Promise.all(this.repairs)
  }

  private repair (work: Promise<unknown>, obj: object, failure: string): void {
    const p: Promise<void> = work
      .then(() => {}, err => { this.logger.error({ err, ...obj }, failure) })
      .finally(() => { this.repairs.delete(p) })
    this.repairs.add(p)
  }
}
