/**
 * Finishing what a crash interrupted, when the store is opened: feeds
 * marked for deletion (a removal, or an add that did not finish) are
 * deleted; updates past their commit key are applied; staged entries of
 * updates that did not reach it are dropped. Each step is idempotent, so a
 * crash during recovery is recovered the same way.
 */
import { ALL_STAGED, COMMITS, PURGES, commitKey, lastPart, staged, stagedFeed } from './store-keys.js'
import { purgeFeed } from './store-commit.js'
import { finishUpdate } from './store-update.js'
import type { FeedOpContext } from './store-add.js'
import type { FeedKind, FeedMeta } from './store-types.js'

export async function recover (ctx: Pick<FeedOpContext, 'db' | 'table' | 'logger'>): Promise<void> {
  const { db, logger } = ctx
  for (const [key, value] of await db.iterator(PURGES).all()) {
    const feed = lastPart(key)
    const { kind } = JSON.parse(value) as { kind: FeedKind }
    logger.warn({ feed }, 'threat feeds: deleting the entries of a feed removed, or added without finishing, before a restart')
    await purgeFeed(db, feed, kind === 'osv')
  }
  for (const [key, value] of await db.iterator(COMMITS).all()) {
    logger.warn({ feed: lastPart(key) }, 'threat feeds: finishing an update interrupted by a restart')
    await finishUpdate(ctx, JSON.parse(value) as FeedMeta)
  }
  let from = ALL_STAGED.gte
  while (true) {
    const [key] = await db.keys({ gte: from, lt: ALL_STAGED.lt, limit: 1 }).all()
    if (key == null) break
    const feed = stagedFeed(key)
    if (await db.get(commitKey(feed)) == null) await db.clear(staged(feed))
    from = staged(feed).lt
  }
}
