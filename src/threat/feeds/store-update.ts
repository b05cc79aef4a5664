/**
 * Updating a feed: check the source (not modified: only `checkedAt` and
 * the validators change), stage its entries against the stored ones, write
 * the commit key (the point after which the update happens even if the
 * process dies: `recover` finishes it), apply the staged entries, and write
 * the feed's new meta with the counts. Until the commit key is written,
 * an error, an abort or a crash leaves the stored feed as it was.
 */
import { commitKey, staged } from './store-keys.js'
import { applyStaged } from './store-commit.js'
import { ingest, type IngestStats } from './store-ingest.js'
import { openSource, parseSource, readItems } from './sources.js'
import { feedInfo } from './store-table.js'
import type { FeedOpContext } from './store-add.js'
import type { FeedMeta, FeedUpdateResult } from './store-types.js'

const ZERO = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: 0, withdrawn: 0 }

export async function updateFeed (ctx: FeedOpContext, current: FeedMeta, signal: AbortSignal): Promise<FeedUpdateResult> {
  const { db, table } = ctx
  // an update that failed after its commit point (a write error) is finished first: its staged entries are needed
  const unfinished = await db.get(commitKey(current.name))
  if (unfinished != null) await finishUpdate(ctx, JSON.parse(unfinished) as FeedMeta)
  const meta = table.feeds.get(current.name) ?? current
  const opened = await openSource(parseSource(meta.source), { fetch: ctx.fetch, downloadDir: ctx.downloadDir, previous: meta.check, signal })
  try {
    const checkedAt = new Date(ctx.now()).toISOString()
    if (opened.local == null) {
      const next = { ...meta, check: opened.check, checkedAt }
      await table.commit(next, [], false)
      ctx.logger.debug({ feed: meta.name }, 'threat feed: not modified')
      return { name: meta.name, status: 'not-modified', ...ZERO, feed: feedInfo(next) }
    }
    await db.clear(staged(meta.name))
    let stats: IngestStats
    try {
      stats = await ingest(readItems(opened.local, meta.kind, meta.source, signal), { db, feed: meta.name, indexed: meta.kind === 'osv', mode: 'staged', logger: ctx.logger, signal })
    } catch (err) {
      await db.clear(staged(meta.name)).catch((e: unknown) => { ctx.logger.error({ feed: meta.name, err: e }, 'threat feed: staged entries not cleared; they go at the next open') })
      throw err
    }
    const { date: _old, ...rest } = meta
    const pending: FeedMeta = { ...rest, ...(stats.date != null ? { date: stats.date } : {}), check: opened.check, checkedAt, skipped: stats.skipped }
    await db.put(commitKey(meta.name), JSON.stringify(pending))
    return await finishUpdate(ctx, pending, stats)
  } finally {
    await opened.cleanup()
  }
}

/** Apply an update past its commit key (also after a crash: `stats` is then unknown). */
export async function finishUpdate (ctx: Pick<FeedOpContext, 'db' | 'table' | 'logger'>, pending: FeedMeta, stats?: IngestStats): Promise<FeedUpdateResult> {
  const counts = await applyStaged(ctx.db, pending.name, pending.kind === 'osv')
  const changed = counts.added + counts.changed + counts.removed > 0
  const next: FeedMeta = { ...pending, records: counts.records, updatedAt: changed ? pending.checkedAt : pending.updatedAt }
  await ctx.table.commit(next, [{ type: 'del', key: commitKey(pending.name) }], changed)
  await ctx.db.clear(staged(pending.name))
  const { records: _records, ...changes } = counts
  ctx.logger.info({ feed: pending.name, ...changes }, changed ? 'threat feed: updated' : 'threat feed: unchanged')
  return { name: pending.name, status: changed ? 'updated' : 'unchanged', ...changes, skipped: next.skipped, withdrawn: stats?.withdrawn ?? 0, feed: feedInfo(next) }
}
