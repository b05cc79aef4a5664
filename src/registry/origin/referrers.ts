/**
 * The OCI distribution 1.1 Referrers API: `GET /v2/<name>/referrers/<digest>`
 * answers an image index of the manifests whose `subject` is that digest,
 * filtered by `artifactType` when asked (and when the registry says so in
 * `OCI-Filters-Applied`), perhaps in pages linked by `Link: <...>; rel="next"`.
 * A registry without the API answers 404 (an OCI error, or Distribution 2.8's
 * plain "404 page not found"), 405, or something that is not an index: that
 * is `undefined` here, for the caller to fall back on the referrers tag schema.
 */
import type { Logger } from 'pino'
import { MAX_MANIFEST_BYTES, MEDIA_TYPES } from '../constants.js'
import type { Authenticator } from './auth.js'
import { isDigest } from './endpoint.js'
import { OriginProtocolError } from './errors.js'
import { errorBody, exchange, fail, type Target } from './exchange.js'
import { discard, header, readBody } from './http.js'
import type { ReferrerDescriptor } from './index.js'
import { mediaTypeOf } from './manifest.js'

export interface ReferrersPage {
  manifests: ReferrerDescriptor[]
  /** The registry applied the `artifactType` filter itself. */
  filtered: boolean
  /** The next page, from the `Link` header. */
  next?: URL
}

/**
 * One page of referrers. `undefined` when the first page says the registry
 * has no Referrers API; on a later page that answer is an error.
 */
export async function referrersPage (auth: Authenticator, t: Target, first: boolean, log: Logger, signal?: AbortSignal): Promise<ReferrersPage | undefined> {
  const res = await exchange(auth, t, { method: 'GET', headers: { accept: MEDIA_TYPES.ociIndex }, ...(signal !== undefined ? { signal } : {}) })
  const status = res.statusCode
  const contentType = mediaTypeOf(header(res, 'content-type', t.host))
  if (first && (status === 404 || status === 405)) {
    // A registry with the API answers 200 even for a subject it does not have (the spec forbids it a 404):
    // whatever the code, a 404 means no API here, or no repository, and the tag schema is the way.
    let code: string | undefined
    if (status === 404) code = (await errorBody(res, t, signal)).code
    else discard(res.body)
    log.debug({ host: t.host, repo: t.repo, status, code }, 'origin has no Referrers API')
    return undefined
  }
  if (status !== 200) return await fail(res, t, signal)
  if (contentType !== MEDIA_TYPES.ociIndex) {
    discard(res.body)
    if (!first) throw new OriginProtocolError(`origin ${t.host}: a later page of ${t.what} is ${contentType ?? 'untyped'}, not an OCI image index`, t.host)
    log.debug({ host: t.host, repo: t.repo, contentType }, 'origin answered the Referrers API with something other than an image index; taking it as no API')
    return undefined
  }
  const bytes = await readBody(res, MAX_MANIFEST_BYTES, t.what, { host: t.host, timeoutMs: t.origin.timeoutMs, ...(signal !== undefined ? { signal } : {}) })
  const filters = header(res, 'oci-filters-applied', t.host)?.split(',').map(f => f.trim()) ?? []
  const page: ReferrersPage = { manifests: parseReferrers(bytes, t.host, t.what), filtered: filters.includes('artifactType') }
  const next = nextLink(header(res, 'link', t.host), res.url, t)
  if (next !== undefined) page.next = next
  return page
}

/** The `manifests` of a referrers index, each checked to be a descriptor; anything else is an OriginProtocolError. */
export function parseReferrers (bytes: Uint8Array, host: string, what: string): ReferrerDescriptor[] {
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new OriginProtocolError(`origin ${host}: ${what} is not JSON`, host)
  }
  const manifests = isObject(doc) ? doc.manifests : undefined
  if (!Array.isArray(manifests)) throw new OriginProtocolError(`origin ${host}: ${what} is not an image index (no "manifests" array)`, host)
  return manifests.map((d: unknown, i) => {
    const bad = (why: string): OriginProtocolError => new OriginProtocolError(`origin ${host}: entry ${i} of ${what} ${why}`, host)
    if (!isObject(d)) throw bad('is not an object')
    if (typeof d.mediaType !== 'string' || d.mediaType === '' || d.mediaType.length > 255) throw bad('has no usable "mediaType"')
    if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw bad('has no usable "digest"')
    if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad('has no usable "size"')
    const out: ReferrerDescriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size }
    if (d.artifactType !== undefined) {
      if (typeof d.artifactType !== 'string') throw bad('has an "artifactType" that is not a string')
      out.artifactType = d.artifactType
    }
    if (d.annotations !== undefined) {
      if (!isObject(d.annotations) || !Object.values(d.annotations).every(v => typeof v === 'string')) throw bad('has "annotations" that are not strings')
      out.annotations = { ...(d.annotations as Record<string, string>) }
    }
    return out
  })
}

/** The `rel="next"` target of a Link header, resolved against the page's URL. */
export function nextLink (value: string | undefined, base: URL, t: Pick<Target, 'host' | 'what'>): URL | undefined {
  if (value === undefined) return undefined
  for (const link of value.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(link)
    if (m == null || !/;\s*rel="?next"?\s*(;|$)/i.test(m[2] ?? '')) continue
    let url: URL
    try {
      url = new URL(m[1] ?? '', base)
    } catch {
      throw new OriginProtocolError(`origin ${t.host}: the next page of ${t.what} is not a URL`, t.host)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OriginProtocolError(`origin ${t.host}: the next page of ${t.what} is a ${url.protocol} URL`, t.host)
    return url
  }
  return undefined
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
