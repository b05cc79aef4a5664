/**
 * The list feeds (KEV catalog, EPSS CSV, malware hash lists) as feed items.
 * Their parsers (`lists.ts`) read the whole text, which these feeds allow
 * (megabytes, bounded by MAX_JSON_FILE_BYTES and MAX_LIST_FILE_BYTES);
 * storing them still goes a batch at a time. A file that is not the format
 * is an error naming the source; malformed lines are counted as skipped.
 */
import { MAX_JSON_FILE_BYTES, MAX_LIST_FILE_BYTES } from './constants.js'
import { FeedSourceError } from './errors.js'
import { parseEpss, parseKev, parseMalwareList } from './lists.js'
import { readBounded } from './sources-read.js'
import type { FeedItem, FeedKind } from './store-types.js'

/** A feed's own date as ISO 8601 UTC: `2026-01-01 00:00:00` (MalwareBazaar, UTC), `2025-02-20T00:00:00+0000` (EPSS), ISO (KEV). */
export function feedDate (raw: string | undefined): string | undefined {
  if (raw == null || raw === '') return undefined
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(raw) ? raw.replace(' ', 'T') + 'Z' : raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
  const t = Date.parse(iso)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString()
}

export async function * listItems (path: string, source: string, kind: Exclude<FeedKind, 'osv'>): AsyncGenerator<FeedItem> {
  const [max, limitName] = kind === 'kev' ? [MAX_JSON_FILE_BYTES, 'MAX_JSON_FILE_BYTES'] : [MAX_LIST_FILE_BYTES, 'MAX_LIST_FILE_BYTES']
  const text = (await readBounded(path, source, max, limitName)).toString('utf8')
  const parsed = parse(text, source, kind)
  const date = feedDate(parsed.date)
  if (date != null) yield { type: 'date', date }
  if (parsed.skipped > 0) yield { type: 'skipped', where: source, reason: `malformed ${kind} lines`, count: parsed.skipped }
  yield * parsed.items
}

function parse (text: string, source: string, kind: Exclude<FeedKind, 'osv'>): { date?: string, skipped: number, items: Iterable<FeedItem> } {
  try {
    switch (kind) {
      case 'kev': {
        const r = parseKev(text)
        return { date: r.dateReleased, skipped: r.stats.skipped, items: r.entries.map(e => entry(e.cveID, e)) }
      }
      case 'epss': {
        const r = parseEpss(text)
        return { date: r.scoreDate, skipped: r.stats.skipped, items: mapIter(r.scores, ([cve, s]) => entry(cve, s)) }
      }
      case 'malware': {
        const r = parseMalwareList(text)
        return { date: r.updated, skipped: r.stats.skipped, items: r.hashes.map(h => entry(h.sha256, h)) }
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'InvalidFeedError') throw err
    throw new FeedSourceError(source, (err as Error).message, { cause: err })
  }
}

function entry (id: string, value: object): FeedItem {
  return { type: 'entry', entry: { id, value: JSON.stringify(value) } }
}

function * mapIter<T, U> (it: Iterable<T>, f: (t: T) => U): Generator<U> {
  for (const t of it) yield f(t)
}
