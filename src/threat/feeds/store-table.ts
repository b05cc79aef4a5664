/**
 * The committed feeds and the store's generation, in memory and on disk.
 * Every change of which feeds exist, or of what they hold, is one atomic
 * batch here: the feed's `f` key, the marker keys that go with it, and the
 * change counter `s` when contents changed. The in-memory copy is updated
 * only after the batch is written, so lookups never see a feed that is not
 * on disk.
 */
import { randomBytes } from 'node:crypto'
import { FEEDS, STORE_KEY, feedKey, purgeKey } from './store-keys.js'
import type { FeedDb, Op } from './store-writes.js'
import type { FeedInfo, FeedMeta } from './store-types.js'

interface StoreState {
  /** Random, fixed when the store is created: generations of two stores never collide. */
  id: string
  /** Changes of contents so far. */
  n: number
}

export class FeedTable {
  readonly feeds = new Map<string, FeedMeta>()
  #state: StoreState = { id: '', n: 0 }

  constructor (private readonly db: FeedDb) {}

  async load (): Promise<void> {
    const raw = await this.db.get(STORE_KEY)
    if (raw == null) {
      this.#state = { id: randomBytes(8).toString('hex'), n: 0 }
      await this.db.put(STORE_KEY, JSON.stringify(this.#state))
    } else {
      this.#state = JSON.parse(raw) as StoreState
    }
    this.feeds.clear()
    for await (const [, value] of this.db.iterator(FEEDS)) {
      const meta = JSON.parse(value) as FeedMeta
      this.feeds.set(meta.name, meta)
    }
  }

  generation (): string {
    return `${this.#state.id}.${this.#state.n}`
  }

  /** Write a feed's meta with `ops`, and count a change of contents when `changed`. */
  async commit (meta: FeedMeta, ops: Op[], changed: boolean): Promise<void> {
    const state = changed ? { ...this.#state, n: this.#state.n + 1 } : this.#state
    await this.db.batch([
      { type: 'put', key: feedKey(meta.name), value: JSON.stringify(meta) },
      ...ops,
      ...(changed ? [{ type: 'put' as const, key: STORE_KEY, value: JSON.stringify(state) }] : [])
    ])
    this.#state = state
    this.feeds.set(meta.name, meta)
  }

  /** Take a feed out of the table and mark its keys for deletion (`purgeFeed` does it). */
  async drop (meta: FeedMeta, ops: Op[]): Promise<void> {
    const state = { ...this.#state, n: this.#state.n + 1 }
    await this.db.batch([
      { type: 'del', key: feedKey(meta.name) },
      { type: 'put', key: purgeKey(meta.name), value: JSON.stringify({ kind: meta.kind }) },
      ...ops,
      { type: 'put', key: STORE_KEY, value: JSON.stringify(state) }
    ])
    this.#state = state
    this.feeds.delete(meta.name)
  }
}

/** The public part of a feed's meta. */
export function feedInfo (meta: FeedMeta): FeedInfo {
  const { check: _check, ...info } = meta
  return { ...info }
}
