/**
 * The daemon's threat-feed store: OSV advisories, the KEV catalog, EPSS
 * scores and malware hash lists in their own LevelDB (`<data>/threat`),
 * answering `ThreatLookup` from disk so a full OSV export never sits in
 * memory. Feeds are added from files, directories or URLs, updated
 * incrementally (only records whose `modified` changed are rewritten) and
 * removed; `store-keys.ts` documents the key layout.
 *
 * Crash consistency: an add writes under a purge key and becomes visible
 * in one batch (`store-add.ts`); an update is staged, then committed by one
 * key write and applied idempotently (`store-update.ts`); a removal is one
 * batch, then an idempotent delete. `open` finishes or undoes whatever a
 * crash interrupted (`store-recover.ts`), so the store converges to the
 * state before or after each operation. Operations that write run one at
 * a time; lookups run alongside them.
 */
import { mkdir } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { fetch as undiciFetch } from 'undici'
import { MAX_FEEDS } from './constants.js'
import { FeedExistsError, FeedStoreClosedError, InvalidFeedOptionError, UnknownFeedError } from './errors.js'
import { checkFeedName, defaultFeedName, parseSource } from './sources.js'
import { purgeFeed } from './store-commit.js'
import { addFeed, type FeedOpContext } from './store-add.js'
import { updateFeed } from './store-update.js'
import { recover } from './store-recover.js'
import { FeedTable, feedInfo } from './store-table.js'
import { commitKey } from './store-keys.js'
import { lookupAdvisories, lookupEpss, lookupKev, lookupMalware, type LookupContext } from './store-lookup.js'
import { FEED_KINDS, type AddFeedOptions, type FeedFetch, type FeedInfo, type FeedMeta, type FeedStoreLogger, type FeedUpdateResult, type ThreatFeedStoreInit, type UpdateFeedOptions } from './store-types.js'
import type { FeedDb } from './store-writes.js'
import type { Advisory, ThreatLookup } from '../lookup.js'
import type { MalwareHash } from './lists.js'

const INIT_KEYS = ['path', 'downloadDir', 'logger', 'fetch', 'now']

const CONSOLE_LOGGER: FeedStoreLogger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => { console.warn(`shoal:threat:feeds ${msg}`, obj) },
  error: (obj, msg) => { console.error(`shoal:threat:feeds ${msg}`, obj) }
}

function checkKeys (given: object, allowed: string[], what: string): void {
  for (const k of Object.keys(given)) {
    if (!allowed.includes(k)) throw new InvalidFeedOptionError(`${what}: unknown option ${JSON.stringify(k)}; the options are ${allowed.join(', ')}`)
  }
}

export class ThreatFeedStore implements ThreatLookup {
  readonly path: string
  readonly #db: FeedDb
  readonly #table: FeedTable
  readonly #ctx: FeedOpContext
  readonly #closing = new AbortController()
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  /** Open (creating if needed) the store at `init.path`, finishing whatever a crash interrupted. */
  static async open (init: ThreatFeedStoreInit): Promise<ThreatFeedStore> {
    if (typeof init !== 'object' || init == null || typeof init.path !== 'string' || init.path === '') {
      throw new InvalidFeedOptionError('threat feed store: path is required, its own LevelDB directory (the daemon uses <data>/threat)')
    }
    checkKeys(init, INIT_KEYS, 'threat feed store')
    await mkdir(init.path, { recursive: true })
    const db: FeedDb = new ClassicLevel<string, string>(init.path, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await db.open()
    try {
      const store = new ThreatFeedStore(init, db)
      await store.#table.load()
      await recover(store.#ctx)
      return store
    } catch (err) {
      await db.close()
      throw err
    }
  }

  private constructor (init: ThreatFeedStoreInit, db: FeedDb) {
    this.path = init.path
    this.#db = db
    this.#table = new FeedTable(db)
    this.#ctx = {
      db,
      table: this.#table,
      logger: init.logger ?? CONSOLE_LOGGER,
      fetch: init.fetch ?? (undiciFetch as unknown as FeedFetch),
      downloadDir: init.downloadDir ?? `${init.path}.download`,
      now: init.now ?? Date.now
    }
  }

  /** The feeds, by name. */
  list (): FeedInfo[] {
    this.#checkOpen()
    return [...this.#table.feeds.values()].map(feedInfo).sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Add a feed and read it now. A name already there is refused with FeedExistsError (`update` refreshes it). */
  async add (options: AddFeedOptions): Promise<FeedInfo> {
    this.#checkOpen()
    checkKeys(options, ['source', 'kind', 'name', 'signal'], 'add')
    const loc = parseSource(options.source)
    if (options.kind != null && !FEED_KINDS.includes(options.kind)) throw new InvalidFeedOptionError(`feed kind ${JSON.stringify(options.kind)}: use one of ${FEED_KINDS.join(', ')}, or none to have it sniffed`)
    const name = checkFeedName(options.name ?? defaultFeedName(loc))
    return await this.#exclusive(options.signal, async signal => {
      if (this.#table.feeds.has(name)) throw new FeedExistsError(name)
      if (this.#table.feeds.size >= MAX_FEEDS) throw new InvalidFeedOptionError(`the store holds MAX_FEEDS (${MAX_FEEDS}) feeds; remove one first`)
      return feedInfo(await addFeed(this.#ctx, loc, name, options.kind, signal))
    })
  }

  /**
   * Re-read one feed (`name`) or every feed, where the source changed.
   * Updating one feed throws its error; updating all reports each failure
   * as `status: 'failed'` and goes on (an abort still throws).
   */
  async update (options: UpdateFeedOptions = {}): Promise<FeedUpdateResult[]> {
    this.#checkOpen()
    checkKeys(options, ['name', 'signal'], 'update')
    if (options.name != null) {
      const name = checkFeedName(options.name)
      return [await this.#exclusive(options.signal, async signal => await updateFeed(this.#ctx, this.#feed(name), signal))]
    }
    const results: FeedUpdateResult[] = []
    for (const name of this.list().map(f => f.name)) {
      const result = await this.#exclusive(options.signal, async signal => {
        const meta = this.#table.feeds.get(name)
        if (meta == null) return undefined // removed meanwhile
        try {
          return await updateFeed(this.#ctx, meta, signal)
        } catch (err) {
          if (signal.aborted) throw err
          this.#ctx.logger.error({ feed: name, err }, 'threat feed: update failed; the stored feed is unchanged')
          return { name, status: 'failed' as const, added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, withdrawn: 0, feed: feedInfo(meta), error: err as Error }
        }
      })
      if (result != null) results.push(result)
    }
    return results
  }

  /** Remove a feed and everything it stored. */
  async remove (name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#checkOpen()
    checkFeedName(name)
    await this.#exclusive(options.signal, async () => {
      const meta = this.#feed(name)
      await this.#table.drop(meta, [{ type: 'del', key: commitKey(name) }])
      await purgeFeed(this.#db, name, meta.kind === 'osv')
      this.#ctx.logger.info({ feed: name }, 'threat feed: removed')
    })
  }

  /** Abort what is running, wait for it, close the database. Safe to call twice. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#closing.abort(new FeedStoreClosedError())
    await this.#queue.catch(() => {})
    await this.#db.close()
  }

  async advisories (key: string): Promise<Advisory[]> {
    return await lookupAdvisories(this.#lookup(), key)
  }

  async kev (ids: string[]): Promise<Set<string>> {
    return await lookupKev(this.#lookup(), ids)
  }

  async epss (ids: string[]): Promise<Map<string, number>> {
    return await lookupEpss(this.#lookup(), ids)
  }

  async malware (sha256s: string[]): Promise<Map<string, MalwareHash>> {
    return await lookupMalware(this.#lookup(), sha256s)
  }

  async generation (): Promise<string> {
    this.#checkOpen()
    return this.#table.generation()
  }

  #lookup (): LookupContext {
    this.#checkOpen()
    return { db: this.#db, feeds: this.#table.feeds, logger: this.#ctx.logger }
  }

  #feed (name: string): FeedMeta {
    const meta = this.#table.feeds.get(name)
    if (meta == null) throw new UnknownFeedError(name)
    return meta
  }

  #checkOpen (): void {
    if (this.#closed) throw new FeedStoreClosedError()
  }

  /** Run `fn` after the writes queued before it, with the caller's signal joined to the store's closing. */
  async #exclusive<T> (callerSignal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = callerSignal != null ? AbortSignal.any([callerSignal, this.#closing.signal]) : this.#closing.signal
    const run = this.#queue.catch(() => {}).then(async () => {
      signal.throwIfAborted()
      return await fn(signal)
    })
    this.#queue = run
    return await run
  }
}
