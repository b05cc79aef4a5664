/**
 * Adding a feed: read the source (sniffing its kind when not given) and
 * write its entries straight to their final keys, under a purge key; then
 * one batch writes the feed's meta, deletes the purge key and counts the
 * change. Lookups read committed feeds only, so they see the new feed all
 * at once; if the add fails or the process dies, the purge key has its
 * entries deleted (now, or when the store is next opened).
 */
import { purgeKey } from './store-keys.js'
import { purgeFeed } from './store-commit.js'
import { ingest, type IngestStats } from './store-ingest.js'
import { openSource, readItems, sniffKind, sourceText, type SourceLocation } from './sources.js'
import type { FeedTable } from './store-table.js'
import type { FeedDb } from './store-writes.js'
import type { FeedFetch, FeedKind, FeedMeta, FeedStoreLogger } from './store-types.js'

export interface FeedOpContext {
  db: FeedDb
  table: FeedTable
  logger: FeedStoreLogger
  fetch: FeedFetch
  downloadDir: string
  now: () => number
}

export async function addFeed (ctx: FeedOpContext, loc: SourceLocation, name: string, kindGiven: FeedKind | undefined, signal: AbortSignal): Promise<FeedMeta> {
  const { db, table } = ctx
  const source = sourceText(loc)
  const opened = await openSource(loc, { fetch: ctx.fetch, downloadDir: ctx.downloadDir, signal })
  try {
    const local = opened.local
    if (local == null) throw new Error('a source opened without a previous check is always read')
    const kind = kindGiven ?? await sniffKind(local, source)
    // what a removal of a feed of this name left, if its deletion failed part way
    const leftover = await db.get(purgeKey(name))
    if (leftover != null) await purgeFeed(db, name, (JSON.parse(leftover) as { kind: FeedKind }).kind === 'osv')
    await db.put(purgeKey(name), JSON.stringify({ kind }))
    let stats: IngestStats
    try {
      stats = await ingest(readItems(local, kind, source, signal), { db, feed: name, indexed: kind === 'osv', mode: 'direct', logger: ctx.logger, signal })
    } catch (err) {
      await purgeFeed(db, name, kind === 'osv').catch((e: unknown) => { ctx.logger.error({ feed: name, err: e }, 'threat feed: entries of a failed add not deleted; they go at the next open') })
      throw err
    }
    const now = new Date(ctx.now()).toISOString()
    const meta: FeedMeta = {
      name,
      kind,
      source,
      ...(stats.date != null ? { date: stats.date } : {}),
      addedAt: now,
      updatedAt: now,
      checkedAt: now,
      records: stats.records,
      skipped: stats.skipped,
      check: opened.check
    }
    await table.commit(meta, [{ type: 'del', key: purgeKey(name) }], true)
    ctx.logger.info({ feed: name, kind, records: stats.records, skipped: stats.skipped, withdrawn: stats.withdrawn }, 'threat feed: added')
    return meta
  } finally {
    await opened.cleanup()
  }
}
