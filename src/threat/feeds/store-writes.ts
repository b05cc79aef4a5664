/**
 * The writes that put one entry of a feed in place (or take it out): its
 * entry key and, for OSV, one index key per package it affects. Every
 * ingest, update and removal goes through `entryOps`, so the index always
 * matches the entries: the entry records which package keys it was indexed
 * under, and a change deletes the keys it no longer has.
 */
import type { ClassicLevel } from 'classic-level'
import { advisoryKey, entryKey } from './store-keys.js'
import type { FeedEntry } from './store-types.js'

export type FeedDb = ClassicLevel<string, string>

export type Op = { type: 'put', key: string, value: string } | { type: 'del', key: string }

/** The package keys a stored OSV entry value (`{"m","k"}`) is indexed under; none for list entries. */
function indexedKeys (value: string | undefined, indexed: boolean): string[] {
  if (value == null || !indexed) return []
  const k = (JSON.parse(value) as { k?: unknown }).k
  return Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : []
}

/** Replace the stored entry `prev` (undefined: none) with `next` (undefined: delete it). */
export function entryOps (feed: string, id: string, indexed: boolean, prev: string | undefined, next: FeedEntry | undefined): Op[] {
  const ops: Op[] = []
  const oldKeys = indexedKeys(prev, indexed)
  const newKeys = next?.keys ?? []
  for (const k of oldKeys) {
    if (!newKeys.includes(k)) ops.push({ type: 'del', key: advisoryKey(k, feed, id) })
  }
  if (next == null) {
    if (prev != null) ops.push({ type: 'del', key: entryKey(feed, id) })
    return ops
  }
  for (const k of newKeys) ops.push({ type: 'put', key: advisoryKey(k, feed, id), value: next.record ?? '' })
  ops.push({ type: 'put', key: entryKey(feed, id), value: next.value })
  return ops
}

/** An update's staged form of an entry: `<value>\n<record>` (JSON never holds a raw newline). */
export function stageEntry (entry: FeedEntry): string {
  return `${entry.value}\n${entry.record ?? ''}`
}

export function unstageEntry (id: string, staged: string): FeedEntry {
  const nl = staged.indexOf('\n')
  const value = nl < 0 ? staged : staged.slice(0, nl)
  const record = nl < 0 ? '' : staged.slice(nl + 1)
  if (record === '') return { id, value }
  return { id, value, record, keys: indexedKeys(value, true) }
}

/** Read a range in chunks, so a feed of any size is walked in bounded memory. */
export async function * chunks (db: FeedDb, range: { gte: string, lt: string }, size: number): AsyncGenerator<Array<[string, string]>> {
  const it = db.iterator(range)
  try {
    while (true) {
      const chunk = await it.nextv(size)
      if (chunk.length === 0) return
      yield chunk
    }
  } finally {
    await it.close()
  }
}
