/**
 * Where a feed comes from: a file, a directory of OSV JSON files, or an
 * http(s) URL. This module parses a source, names a feed after it, finds
 * out whether it changed since it was last read (size and mtime, then
 * sha256, for files; every file's size and mtime for directories; ETag,
 * Last-Modified, then sha256 for URLs), brings it to a local file to read,
 * tells its kind from its first bytes when none is given, and reads it as
 * feed items.
 */
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MAX_FEED_NAME_CHARS, SNIFF_BYTES } from './constants.js'
import { FeedSourceError, InvalidFeedOptionError } from './errors.js'
import { download } from './sources-download.js'
import { listItems } from './sources-lists.js'
import { osvDirectoryItems, osvFileItems } from './sources-osv.js'
import { readHead } from './sources-read.js'
import { directoryFingerprint } from './sources-walk.js'
import type { FeedFetch, FeedItem, FeedKind, SourceCheck } from './store-types.js'

export type SourceLocation = { type: 'url', url: string } | { type: 'path', path: string }

/** An absolute path or an http(s) URL; `file:` URLs become paths. */
export function parseSource (source: string): SourceLocation {
  if (typeof source !== 'string' || source.trim() === '') throw new InvalidFeedOptionError('a feed source is a file, a directory or an http(s) URL; got an empty one')
  if (/^https?:\/\//i.test(source)) {
    if (!URL.canParse(source)) throw new InvalidFeedOptionError(`feed source ${source} is not a valid URL`)
    return { type: 'url', url: new URL(source).href }
  }
  if (/^file:/i.test(source)) return { type: 'path', path: fileURLToPath(source) }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new InvalidFeedOptionError(`feed source ${source}: only files, directories and http(s) URLs are supported`)
  return { type: 'path', path: resolve(source) }
}

export function sourceText (loc: SourceLocation): string {
  return loc.type === 'url' ? loc.url : loc.path
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export function checkFeedName (name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.length > MAX_FEED_NAME_CHARS) {
    throw new InvalidFeedOptionError(`feed name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most ${MAX_FEED_NAME_CHARS} characters`)
  }
  return name
}

/** `kev-catalog` for `.../kev-catalog.json`; `osv-pypi` for `.../PyPI/all.zip` (OSV's export layout). */
export function defaultFeedName (loc: SourceLocation): string {
  const path = loc.type === 'url' ? decodeURIComponent(new URL(loc.url).pathname) : loc.path
  const trimmed = path.replace(/\/+$/, '')
  let base = basename(trimmed).replace(/\.(json|zip|csv|txt)$/i, '')
  if (base.toLowerCase() === 'all' && basename(dirname(trimmed)) !== '') base = `osv-${basename(dirname(trimmed))}`
  if (base === '' && loc.type === 'url') base = new URL(loc.url).hostname
  const name = base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, MAX_FEED_NAME_CHARS)
  return name === '' ? 'feed' : name
}

export interface LocalSource {
  path: string
  isDirectory: boolean
}

export interface OpenedSource {
  /** Absent when the source has not changed since `previous`. */
  local?: LocalSource
  /** What to remember to tell the next change. */
  check: SourceCheck
  /** Delete what was downloaded. */
  cleanup (): Promise<void>
}

export interface OpenSourceOptions {
  fetch: FeedFetch
  downloadDir: string
  previous?: SourceCheck
  signal?: AbortSignal
}

const nothing = async (): Promise<void> => {}

export async function openSource (loc: SourceLocation, o: OpenSourceOptions): Promise<OpenedSource> {
  const prev = o.previous
  if (loc.type === 'url') {
    const d = await download({ url: loc.url, fetch: o.fetch, dir: o.downloadDir, signal: o.signal, ...(prev != null ? { previous: prev } : {}) })
    if (d.notModified) return { check: prev ?? {}, cleanup: nothing }
    const cleanup = async (): Promise<void> => { await rm(d.file, { force: true }) }
    if (prev?.sha256 != null && prev.sha256 === d.check.sha256) {
      await cleanup()
      return { check: d.check, cleanup: nothing }
    }
    return { local: { path: d.file, isDirectory: false }, check: d.check, cleanup }
  }
  const s = await stat(loc.path).catch((err: NodeJS.ErrnoException) => {
    throw new FeedSourceError(loc.path, err.code === 'ENOENT' ? 'no such file or directory' : err.message, { cause: err })
  })
  if (s.isDirectory()) {
    const fingerprint = await directoryFingerprint(loc.path, o.signal)
    if (prev?.fingerprint === fingerprint) return { check: prev, cleanup: nothing }
    return { local: { path: loc.path, isDirectory: true }, check: { fingerprint }, cleanup: nothing }
  }
  if (!s.isFile()) throw new FeedSourceError(loc.path, 'not a file or a directory')
  if (prev != null && prev.sizeBytes === s.size && prev.mtimeMs === s.mtimeMs) return { check: prev, cleanup: nothing }
  const check = { sizeBytes: s.size, mtimeMs: s.mtimeMs, sha256: await sha256File(loc.path, o.signal) }
  if (prev?.sha256 === check.sha256) return { check, cleanup: nothing }
  return { local: { path: loc.path, isDirectory: false }, check, cleanup: nothing }
}

async function sha256File (path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, signal != null ? { signal } : {})) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** The kind of a feed from its first bytes: a zip or directory is OSV, JSON with `catalogVersion` KEV, other JSON OSV, `cve,epss,percentile` EPSS, sha256 lines a malware list. */
export async function sniffKind (local: LocalSource, source: string): Promise<FeedKind> {
  if (local.isDirectory) return 'osv'
  const head = await readHead(local.path, SNIFF_BYTES)
  if (head.subarray(0, 2).toString('latin1') === 'PK') return 'osv'
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (text.startsWith('{') || text.startsWith('[')) return /"catalogVersion"\s*:|"vulnerabilities"\s*:/.test(text) ? 'kev' : 'osv'
  if (/^#\s*model_version|^cve,epss,percentile/im.test(text)) return 'epss'
  if (/malwarebazaar|abuse\.ch|^[a-f0-9]{64}\b|^"?[0-9-]+ [0-9:]+"?,\s*"[a-f0-9]{64}"/im.test(text)) return 'malware'
  throw new FeedSourceError(source, 'cannot tell what kind of feed this is; give its kind (osv, kev, malware or epss)')
}

export function readItems (local: LocalSource, kind: FeedKind, source: string, signal?: AbortSignal): AsyncIterable<FeedItem> {
  if (kind === 'osv') return local.isDirectory ? osvDirectoryItems(local.path, signal) : osvFileItems(local.path, source, signal)
  if (local.isDirectory) throw new FeedSourceError(source, `a ${kind} feed is one file, not a directory`)
  return listItems(local.path, source, kind)
}
