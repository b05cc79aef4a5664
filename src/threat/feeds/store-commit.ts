/**
 * Finishing an update, and deleting a feed. Both run after an atomic write
 * that decides the outcome (the `c` key for an update, the `p` key with the
 * `f` key's deletion for a removal) and are idempotent, so a crash part way
 * is finished by running them again when the store is next opened:
 *
 * - `applyStaged` writes each staged entry that differs to its final keys
 *   (pass 1), then deletes the stored entries that were not staged, i.e.
 *   gone from the source (pass 2). While it runs, lookups may see part of
 *   the new contents; the generation changes only when it is done, so any
 *   result computed meanwhile is marked stale.
 * - `purgeFeed` deletes every key of a feed.
 */
import { INGEST_BATCH_ENTRIES } from './constants.js'
import { commitKey, entries, entryKey, purgeKey, staged, stagedKey, lastPart } from './store-keys.js'
import { chunks, entryOps, unstageEntry, type FeedDb, type Op } from './store-writes.js'

export interface ApplyCounts {
  added: number
  changed: number
  removed: number
  unchanged: number
  /** Entries the feed holds afterwards. */
  records: number
}

export async function applyStaged (db: FeedDb, feed: string, indexed: boolean): Promise<ApplyCounts> {
  const counts: ApplyCounts = { added: 0, changed: 0, removed: 0, unchanged: 0, records: 0 }
  for await (const chunk of chunks(db, staged(feed), INGEST_BATCH_ENTRIES)) {
    const ids = chunk.map(([key]) => lastPart(key))
    const prevs = await db.getMany(ids.map(id => entryKey(feed, id)))
    const ops: Op[] = []
    chunk.forEach(([, value], i) => {
      counts.records++
      const id = ids[i] as string
      const prev = prevs[i]
      const next = value === '' ? undefined : unstageEntry(id, value)
      // equal to the stored entry: unchanged, or applied before a crash
      if (next == null || prev === next.value) { counts.unchanged++; return }
      if (prev == null) counts.added++
      else counts.changed++
      ops.push(...entryOps(feed, id, indexed, prev, next))
    })
    if (ops.length > 0) await db.batch(ops)
  }
  for await (const chunk of chunks(db, entries(feed), INGEST_BATCH_ENTRIES)) {
    const ids = chunk.map(([key]) => lastPart(key))
    const stagedValues = await db.getMany(ids.map(id => stagedKey(feed, id)))
    const ops: Op[] = []
    chunk.forEach(([, prev], i) => {
      if (stagedValues[i] != null) return
      counts.removed++
      ops.push(...entryOps(feed, ids[i] as string, indexed, prev, undefined))
    })
    if (ops.length > 0) await db.batch(ops)
  }
  return counts
}

/** Delete every key of a feed: entries, index keys, staged entries, and last its `c` and `p` keys. */
export async function purgeFeed (db: FeedDb, feed: string, indexed: boolean): Promise<void> {
  if (indexed) {
    for await (const chunk of chunks(db, entries(feed), INGEST_BATCH_ENTRIES)) {
      await db.batch(chunk.flatMap(([key, prev]) => entryOps(feed, lastPart(key), true, prev, undefined)))
    }
  } else {
    await db.clear(entries(feed))
  }
  await db.clear(staged(feed))
  await db.batch([{ type: 'del', key: commitKey(feed) }, { type: 'del', key: purgeKey(feed) }])
}
