/**
 * Reading a feed's items into the store, a batch at a time (at most
 * INGEST_BATCH_ENTRIES entries or INGEST_BATCH_BYTES of values), so memory
 * stays flat whatever the feed's size. Two modes:
 *
 * - `direct` (add): entries go straight to their final keys. The feed has
 *   no `f` key yet, so lookups do not see them; a `p` (purge) key written
 *   first makes a crash or failure delete them again.
 * - `staged` (update): each entry is compared with the stored one and
 *   staged under `t`: "" when unchanged, the new entry otherwise. Nothing a
 *   lookup reads changes; `store-commit.ts` applies the staged entries once
 *   the whole source has been read.
 *
 * A second entry with an id already seen in the same read (in either mode)
 * replaces the first and is counted as skipped.
 */
import { INGEST_BATCH_BYTES, INGEST_BATCH_ENTRIES, MAX_SKIP_WARNINGS } from './constants.js'
import { entryKey, stagedKey } from './store-keys.js'
import { entryOps, stageEntry, type FeedDb, type Op } from './store-writes.js'
import type { FeedEntry, FeedItem, FeedStoreLogger } from './store-types.js'

export interface IngestStats {
  /** Distinct entries read. */
  records: number
  skipped: number
  withdrawn: number
  /** The latest date of the items, ISO 8601. */
  date?: string
}

export interface IngestOptions {
  db: FeedDb
  feed: string
  indexed: boolean
  mode: 'direct' | 'staged'
  logger: FeedStoreLogger
  signal?: AbortSignal
}

export async function ingest (items: AsyncIterable<FeedItem>, o: IngestOptions): Promise<IngestStats> {
  const stats: IngestStats = { records: 0, skipped: 0, withdrawn: 0 }
  let warnings = 0
  const skip = (where: string, reason: string, count = 1): void => {
    stats.skipped += count
    if (warnings++ < MAX_SKIP_WARNINGS) o.logger.warn({ feed: o.feed, where, reason, count }, 'threat feed: record skipped')
  }
  let latest = Number.NEGATIVE_INFINITY
  const noteDate = (date: string | undefined): void => {
    const t = date != null ? Date.parse(date) : Number.NaN
    if (t > latest) { latest = t; stats.date = new Date(t).toISOString() }
  }

  let pending = new Map<string, FeedEntry>()
  let pendingBytes = 0
  const write = async (batch: Map<string, FeedEntry>): Promise<void> => {
    const ids = [...batch.keys()]
    const prevs = await o.db.getMany(ids.map(id => entryKey(o.feed, id)))
    const seen = o.mode === 'staged' ? await o.db.getMany(ids.map(id => stagedKey(o.feed, id))) : prevs
    const ops: Op[] = []
    ids.forEach((id, i) => {
      const entry = batch.get(id) as FeedEntry
      if (seen[i] != null) skip(id, 'duplicate id in the feed: the later one is kept')
      else stats.records++
      if (o.mode === 'direct') {
        ops.push(...entryOps(o.feed, id, o.indexed, prevs[i], entry))
      } else {
        ops.push({ type: 'put', key: stagedKey(o.feed, id), value: prevs[i] === entry.value ? '' : stageEntry(entry) })
      }
    })
    await o.db.batch(ops)
  }
  // One batch is written while the next is read: the database works on its
  // own threads, so reading and writing overlap. Batches are written in
  // order, each after the one before (duplicates are found by reading what
  // the earlier batches wrote).
  let writing: Promise<void> = Promise.resolve()
  const flush = async (): Promise<void> => {
    if (pending.size === 0) return
    const batch = pending
    pending = new Map()
    pendingBytes = 0
    await writing
    writing = write(batch)
    writing.catch(() => {}) // awaited at the next flush or at the end
  }

  try {
    for await (const item of items) {
      o.signal?.throwIfAborted()
      switch (item.type) {
        case 'entry': {
          const e = item.entry
          if (pending.has(e.id)) skip(e.id, 'duplicate id in the feed: the later one is kept')
          pending.set(e.id, e)
          pendingBytes += e.value.length + (e.record?.length ?? 0) * ((e.keys?.length ?? 0) + 1)
          noteDate(e.date)
          if (pending.size >= INGEST_BATCH_ENTRIES || pendingBytes >= INGEST_BATCH_BYTES) await flush()
          break
        }
        case 'skipped':
          skip(item.where, item.reason, item.count)
          break
        case 'withdrawn':
          stats.withdrawn++
          break
        case 'date':
          noteDate(item.date)
          break
      }
    }
    await flush()
  } finally {
    // never leave a write running past the return: a failed add deletes what was written
    await writing.catch(() => {})
  }
  await writing
  o.signal?.throwIfAborted()
  if (warnings > MAX_SKIP_WARNINGS) o.logger.warn({ feed: o.feed, skipped: stats.skipped, logged: MAX_SKIP_WARNINGS }, 'threat feed: more records skipped than logged')
  return stats
}
