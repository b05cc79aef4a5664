/**
 * Downloading an http(s) feed to a file, conditionally: the ETag and
 * Last-Modified of the previous download go out as If-None-Match and
 * If-Modified-Since, and a 304 means nothing is read. The body is written
 * to disk as it arrives (an OSV zip is then read from the file), hashed on
 * the way so an update can tell an unchanged body served without
 * validators, and bounded by MAX_DOWNLOAD_BYTES, DOWNLOAD_TIMEOUT_MS in all
 * and DOWNLOAD_STALL_TIMEOUT_MS without a byte.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DOWNLOAD_STALL_TIMEOUT_MS, DOWNLOAD_TIMEOUT_MS, MAX_DOWNLOAD_BYTES } from './constants.js'
import { FeedLimitError, FeedSourceError } from './errors.js'
import type { FeedFetch, SourceCheck } from './store-types.js'

export type Download =
  | { notModified: true }
  | { notModified: false, file: string, check: SourceCheck }

export interface DownloadOptions {
  url: string
  fetch: FeedFetch
  dir: string
  previous?: SourceCheck
  signal?: AbortSignal
}

export async function download (o: DownloadOptions): Promise<Download> {
  const stall = new AbortController()
  let stallTimer: NodeJS.Timeout | undefined
  const touch = (): void => {
    clearTimeout(stallTimer)
    stallTimer = setTimeout(() => { stall.abort(new Error(`no data for ${DOWNLOAD_STALL_TIMEOUT_MS} ms`)) }, DOWNLOAD_STALL_TIMEOUT_MS)
  }
  const total = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)
  const signal = AbortSignal.any([stall.signal, total, ...(o.signal != null ? [o.signal] : [])])
  const headers: Record<string, string> = {}
  if (o.previous?.etag != null) headers['if-none-match'] = o.previous.etag
  if (o.previous?.lastModified != null) headers['if-modified-since'] = o.previous.lastModified
  let file: string | undefined
  try {
    touch()
    const res = await o.fetch(o.url, { method: 'GET', headers, signal, redirect: 'follow' })
    if (res.status === 304) {
      await discard(res.body)
      return { notModified: true }
    }
    if (res.status < 200 || res.status > 299) {
      await discard(res.body)
      throw new FeedSourceError(o.url, `HTTP ${res.status}`)
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN)
    if (length > MAX_DOWNLOAD_BYTES) throw new FeedLimitError(o.url, `MAX_DOWNLOAD_BYTES ${MAX_DOWNLOAD_BYTES}`, `the response is ${length} bytes`)
    await mkdir(o.dir, { recursive: true })
    file = join(o.dir, `feed-${randomUUID()}`)
    const hash = createHash('sha256')
    let sizeBytes = 0
    const fh = await open(file, 'wx')
    try {
      for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
        touch()
        sizeBytes += chunk.byteLength
        if (sizeBytes > MAX_DOWNLOAD_BYTES) throw new FeedLimitError(o.url, `MAX_DOWNLOAD_BYTES ${MAX_DOWNLOAD_BYTES}`, 'the response is larger')
        hash.update(chunk)
        await fh.write(chunk)
      }
    } finally {
      await fh.close()
    }
    const etag = res.headers.get('etag')
    const lastModified = res.headers.get('last-modified')
    return {
      notModified: false,
      file,
      check: { sizeBytes, sha256: hash.digest('hex'), ...(etag != null ? { etag } : {}), ...(lastModified != null ? { lastModified } : {}) }
    }
  } catch (err) {
    if (file != null) await rm(file, { force: true })
    if (o.signal?.aborted === true) throw o.signal.reason
    if (stall.signal.aborted || total.aborted) throw new FeedSourceError(o.url, `download timed out: ${stall.signal.aborted ? (stall.signal.reason as Error).message : `over ${DOWNLOAD_TIMEOUT_MS} ms`}`, { cause: err })
    if (err instanceof Error && (err.name === 'FeedSourceError' || err.name === 'FeedLimitError')) throw err
    throw new FeedSourceError(o.url, `download failed: ${(err as Error).message}`, { cause: err })
  } finally {
    clearTimeout(stallTimer)
  }
}

/** Let go of a body not read, so the connection is released. */
async function discard (body: unknown): Promise<void> {
  const cancel = (body as { cancel?: () => Promise<void> } | null)?.cancel
  if (typeof cancel === 'function') await cancel.call(body).catch(() => {})
}
