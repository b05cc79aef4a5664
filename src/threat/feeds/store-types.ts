/**
 * The types of the threat-feed store: what a caller gives and gets back
 * (`FeedInfo`, `FeedUpdateResult`, `ThreatFeedStoreInit`) and what flows
 * between the sources and the store (`FeedItem`, `FeedEntry`, `SourceCheck`).
 */

export const FEED_KINDS = ['osv', 'kev', 'malware', 'epss'] as const
/** OSV advisories, the CISA KEV catalog, a malware hash list, FIRST EPSS scores. */
export type FeedKind = typeof FEED_KINDS[number]

export interface FeedInfo {
  name: string
  kind: FeedKind
  /** An absolute path or an http(s) URL. */
  source: string
  /**
   * The feed's own date, ISO 8601 UTC: KEV `dateReleased`, EPSS
   * `score_date`, a malware list's "Last updated", the latest OSV `modified`.
   * Absent when the feed does not say.
   */
  date?: string
  /** When the feed was added (ISO 8601). */
  addedAt: string
  /** When its stored contents last changed. */
  updatedAt: string
  /** When its source was last checked, whether or not it had changed. */
  checkedAt: string
  /** Records (advisories, KEV entries, scores, hashes) stored. */
  records: number
  /** Records of the last read left out as malformed or duplicate (withdrawn OSV records are not counted). */
  skipped: number
}

export interface FeedUpdateResult {
  name: string
  /**
   * `not-modified`: the source said so (HTTP 304, same size and mtime, same
   * sha256) and was not read. `unchanged`: read, nothing differed.
   * `updated`: records were added, changed or removed. `failed`: see `error`
   * (only when updating every feed; updating one feed throws).
   */
  status: 'updated' | 'unchanged' | 'not-modified' | 'failed'
  added: number
  changed: number
  removed: number
  unchanged: number
  skipped: number
  /** OSV records in the source marked withdrawn (not stored; a stored one is removed). */
  withdrawn: number
  /** The feed after the update (before it, when the update failed). */
  feed: FeedInfo
  error?: Error
}

/** Narrow logger, pino's calling convention (context object, then message); a pino child logger fits. */
export interface FeedStoreLogger {
  debug (obj: object, msg: string): void
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

/** What the store asks of `fetch` (undici's and the global one fit). */
export type FeedFetch = (url: string, init: {
  method: 'GET'
  headers: Record<string, string>
  signal: AbortSignal
  redirect: 'follow'
}) => Promise<FeedFetchResponse>

export interface FeedFetchResponse {
  status: number
  headers: { get (name: string): string | null }
  /** A web ReadableStream (async iterable in Node) or any async iterable of bytes; null for no body. */
  body: unknown
}

export interface ThreatFeedStoreInit {
  /** The store's own LevelDB directory (the daemon uses `<data>/threat`); created if missing. */
  path: string
  /** Where downloads are written while they are read (an OSV zip is read from disk, not memory). @default `<path>.download` */
  downloadDir?: string
  /** @default warnings and errors to `console`, the rest dropped */
  logger?: FeedStoreLogger
  /** @default undici's `fetch` */
  fetch?: FeedFetch
  /** The clock of `addedAt`, `updatedAt`, `checkedAt`. @default Date.now */
  now?: () => number
}

export interface AddFeedOptions {
  /** A file, a directory of OSV JSON files, or an http(s) URL. */
  source: string
  /** @default sniffed from the file name and contents */
  kind?: FeedKind
  /** @default derived from the source (`osv-pypi` for `.../PyPI/all.zip`, `kev-catalog` for `kev-catalog.json`) */
  name?: string
  signal?: AbortSignal
}

export interface UpdateFeedOptions {
  /** @default every feed */
  name?: string
  signal?: AbortSignal
}

/** What tells whether a source changed since it was last read. */
export interface SourceCheck {
  sizeBytes?: number
  mtimeMs?: number
  sha256?: string
  /** Directories: a digest of every file's path, size and mtime. */
  fingerprint?: string
  etag?: string
  lastModified?: string
}

/** One stored unit of a feed: an OSV record, a KEV entry, an EPSS score, a malware hash. */
export interface FeedEntry {
  /** Unique within the feed: the OSV id, the CVE id, the sha256. */
  id: string
  /**
   * What the entry key holds. For lists, the value lookups read; for OSV,
   * `{ m: modified, k: package keys }`, enough to tell a change and to
   * find the record's index entries.
   */
  value: string
  /** OSV: the parsed record (JSON) and the package keys it is indexed under. */
  record?: string
  keys?: string[]
  /** Contributes to the feed's date (the latest wins). */
  date?: string
}

/** What a source reader yields. */
export type FeedItem =
  | { type: 'entry', entry: FeedEntry }
  | { type: 'skipped', where: string, reason: string, count?: number }
  | { type: 'withdrawn', id: string }
  | { type: 'date', date: string }

/** A feed as stored: what `list` shows plus what incremental updates need. */
export interface FeedMeta extends FeedInfo {
  check: SourceCheck
}
