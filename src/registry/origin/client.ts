/**
 * The origin client: the four pull-side registry calls (manifest and blob,
 * HEAD and GET) and byte ranges, the push of small blobs and manifests, and
 * the Referrers API, each retried for transient failures where a retry is
 * safe (a blob upload is retried whole, from its POST).
 */
import type { Logger } from 'pino'
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES } from '../constants.js'
import type { ManifestHead, ManifestResponse, OriginClientComponents, OriginClientInit, OriginRegistryClient, ReferrerDescriptor, Referrers } from './index.js'
import { AgentPool } from './agents.js'
import { Authenticator, type Access } from './auth.js'
import { blobBody } from './blob-body.js'
import { MAX_RANGE_BYTES, MAX_REFERRERS, MAX_REFERRERS_PAGES } from './constants.js'
import { checkDigest, checkReference, isDigest, originEndpoint } from './endpoint.js'
import { InvalidOriginRequestError, OriginProtocolError, OriginUnavailableError } from './errors.js'
import { exchange, fail, type Target } from './exchange.js'
import { contentLength, discard, header, readBody, type Response } from './http.js'
import { isGenericMediaType, manifestMediaType, mediaTypeOf, verifyManifest } from './manifest.js'
import { blobExists, checkBlobBytes, checkManifestBytes, putManifestAt, uploadBlob } from './push.js'
import { readPartial, sliceWhole } from './range.js'
import { referrersPage } from './referrers.js'
import { withRetries } from './retry.js'
import { OriginSettingsTable } from './settings.js'

const ACCEPT = MANIFEST_ACCEPT.join(', ')

export class OriginClient implements OriginRegistryClient {
  private readonly settings: OriginSettingsTable
  private readonly agents: AgentPool
  private readonly auth: Authenticator
  private readonly log: Logger

  /** Checks `init` (throws InvalidOriginOptionError) and reads the CA files. */
  constructor (init: OriginClientInit, components: OriginClientComponents) {
    this.settings = new OriginSettingsTable(init)
    this.log = components.logger
    this.agents = new AgentPool({ logger: this.log })
    this.auth = new Authenticator({ logger: this.log })
  }

  async headManifest (host: string, repo: string, ref: string, options: { signal?: AbortSignal } = {}): Promise<ManifestHead> {
    const t = this.manifestTarget(host, repo, ref)
    const head = await this.retrying(t, options.signal, async () => {
      const res = await exchange(this.auth, t, { method: 'HEAD', headers: { accept: ACCEPT }, ...signalOf(options) })
      if (res.statusCode !== 200) return await fail(res, t, options.signal)
      discard(res.body)
      const claimed = header(res, 'docker-content-digest', t.host)?.trim()
      const mediaType = mediaTypeOf(header(res, 'content-type', t.host))
      const sizeBytes = contentLength(res, t.host)
      if (claimed !== undefined && isDigest(ref) && claimed !== ref && algorithmOf(claimed) === algorithmOf(ref)) {
        throw new OriginProtocolError(`origin ${t.host}: ${t.what} has digest ${claimed.slice(0, 80)}, not the one asked for`, t.host)
      }
      const digest = claimed !== undefined && /^sha256:[a-f0-9]{64}$/.test(claimed) ? claimed : (ref.startsWith('sha256:') ? ref : undefined)
      if (digest === undefined || mediaType === undefined || isGenericMediaType(mediaType) || sizeBytes === undefined || sizeBytes > MAX_MANIFEST_BYTES) return undefined
      return { digest, mediaType, sizeBytes }
    })
    if (head !== undefined) return head
    // The HEAD left something out (some registries send no Docker-Content-Digest): GET and work it out.
    this.log.debug({ host, repo, ref }, 'origin manifest HEAD incomplete; asking with GET')
    const m = await this.getManifest(host, repo, ref, options)
    return { digest: m.digest, mediaType: m.mediaType, sizeBytes: m.bytes.byteLength }
  }

  async getManifest (host: string, repo: string, ref: string, options: { signal?: AbortSignal } = {}): Promise<ManifestResponse> {
    const t = this.manifestTarget(host, repo, ref)
    return await this.retrying(t, options.signal, async () => {
      const res = await exchange(this.auth, t, { method: 'GET', headers: { accept: ACCEPT }, ...signalOf(options) })
      if (res.statusCode !== 200) return await fail(res, t, options.signal)
      const bytes = await readBody(res, MAX_MANIFEST_BYTES, t.what, this.readInit(t, options))
      if (bytes.byteLength === 0) throw new OriginProtocolError(`origin ${t.host}: ${t.what} is empty`, t.host)
      const digest = verifyManifest(bytes, ref, header(res, 'docker-content-digest', t.host), t.host, t.what)
      const mediaType = manifestMediaType(header(res, 'content-type', t.host), bytes, t.host, t.what)
      return { bytes, digest, mediaType }
    })
  }

  async headBlob (host: string, repo: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<{ sizeBytes: number }> {
    const t = this.blobTarget(host, repo, digest)
    return await this.retrying(t, options.signal, async () => {
      const res = await exchange(this.auth, t, { method: 'HEAD', headers: {}, headAsRangeGet: true, ...signalOf(options) })
      try {
        if (res.statusCode === 206) {
          const total = /\/(\d{1,16})\s*$/.exec(header(res, 'content-range', t.host) ?? '')?.[1]
          if (total === undefined) throw new OriginProtocolError(`origin ${t.host}: no blob size in the Content-Range of ${t.what}`, t.host)
          return { sizeBytes: Number(total) }
        }
        if (res.statusCode !== 200) return await fail(res, t, options.signal)
        const sizeBytes = contentLength(res, t.host)
        if (sizeBytes === undefined) throw new OriginProtocolError(`origin ${t.host}: no Content-Length for ${t.what}`, t.host)
        return { sizeBytes }
      } finally {
        // A HEAD has no body; a GET of bytes=0-0 that the server answered with the whole blob must not be read.
        if (res.statusCode === 200 && res.url.origin !== t.url.origin) res.body.destroy()
        else discard(res.body)
      }
    })
  }

  async getBlob (host: string, repo: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<{ sizeBytes: number, body: AsyncIterable<Uint8Array> }> {
    const t = this.blobTarget(host, repo, digest)
    // Only the request is retried: once bytes flow, a failure ends the stream (the caller resumes by range).
    const res = await this.retrying(t, options.signal, async () => {
      const res = await exchange(this.auth, t, { method: 'GET', headers: {}, ...signalOf(options) })
      if (res.statusCode !== 200) return await fail(res, t, options.signal)
      return res
    })
    let sizeBytes: number | undefined
    try {
      sizeBytes = contentLength(res, t.host)
    } finally {
      if (sizeBytes === undefined) res.body.destroy()
    }
    if (sizeBytes === undefined) throw new OriginProtocolError(`origin ${t.host}: no Content-Length for ${t.what}`, t.host)
    return { sizeBytes, body: blobBody(res, sizeBytes, this.readInit(t, options)) }
  }

  async getRange (host: string, repo: string, digest: string, offset: number, length: number, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const t = this.blobTarget(host, repo, digest)
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 1 || length > MAX_RANGE_BYTES || !Number.isSafeInteger(offset + length)) {
      throw new InvalidOriginRequestError(`invalid range offset=${offset} length=${length}: need offset >= 0 and 1 <= length <= ${MAX_RANGE_BYTES}`, host)
    }
    const end = offset + length - 1
    return await this.retrying(t, options.signal, async () => {
      const res = await exchange(this.auth, t, { method: 'GET', headers: { range: `bytes=${offset}-${end}` }, ...signalOf(options) })
      const init = { ...this.readInit(t, options), what: t.what }
      if (res.statusCode === 206) return await readPartial(res, offset, length, init)
      if (res.statusCode === 200) {
        this.log.debug({ host, repo, digest, offset, length }, 'origin ignored Range; reading up to the range from the whole blob')
        return await sliceWhole(res, offset, length, init)
      }
      if (res.statusCode === 416) {
        discard(res.body)
        throw new OriginProtocolError(`origin ${t.host}: the range ${offset}-${end} of ${t.what} is not satisfiable (416)`, t.host)
      }
      return await fail(res, t, options.signal)
    })
  }

  /**
   * Push a blob unless the registry has it: HEAD, then a monolithic upload
   * (POST, PUT with `digest=`), retried whole from the POST. True when it was
   * uploaded, false when it was there already.
   */
  async putBlob (host: string, repo: string, digest: string, bytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const t: Target = {
      ...this.target(host, repo, `blobs/${digest}`, `blob ${repo}@${digest}`, 'pull', () => {
        checkDigest(host, digest)
        checkBlobBytes(host, digest, bytes)
      }),
      pushing: true
    }
    if (await this.retrying(t, options.signal, async () => await blobExists(this.auth, t, options.signal))) return false
    const uploads = this.target(host, repo, 'blobs/uploads/', `the upload of blob ${repo}@${digest}`, 'push', () => {})
    await this.retrying(uploads, options.signal, async () => { await uploadBlob(this.auth, uploads, digest, bytes, options.signal) })
    this.log.debug({ host, repo, digest, sizeBytes: bytes.byteLength }, 'origin blob pushed')
    return true
  }

  /** PUT a manifest under a tag or its digest; the digest the registry reports, else the sha256 of `bytes`. */
  async putManifest (host: string, repo: string, ref: string, bytes: Uint8Array, mediaType: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const t = this.target(host, repo, `manifests/${ref}`, `the push of manifest ${nameOf(repo, ref)}`, 'push', () => {
      checkReference(host, ref)
      checkManifestBytes(host, ref, bytes, mediaType)
    })
    // A PUT of the same bytes to the same name is idempotent: retried like a GET.
    const digest = await this.retrying(t, options.signal, async () => await putManifestAt(this.auth, t, bytes, mediaType, options.signal))
    this.log.debug({ host, repo, ref, digest, mediaType }, 'origin manifest pushed')
    return digest
  }

  /**
   * The manifests that name `digest` as their subject, by the Referrers API
   * (all its pages), or `undefined` when the registry does not have the API.
   * With `artifactType`, only those of that type.
   */
  async getReferrers (host: string, repo: string, digest: string, options: { artifactType?: string, signal?: AbortSignal } = {}): Promise<Referrers | undefined> {
    const { artifactType, signal } = options
    const first = this.target(host, repo, `referrers/${digest}`, `the referrers of ${repo}@${digest}`, 'pull', () => {
      checkDigest(host, digest)
      if (artifactType !== undefined && (typeof artifactType !== 'string' || mediaTypeOf(artifactType) !== artifactType)) {
        throw new InvalidOriginRequestError(`invalid artifactType ${JSON.stringify(String(artifactType).slice(0, 200))}: expected a media type`, host)
      }
    })
    if (artifactType !== undefined) first.url.searchParams.set('artifactType', artifactType)
    const manifests: ReferrerDescriptor[] = []
    let filtered = true
    let t = first
    for (let page = 0; ; page++) {
      const at = t
      const got = await this.retrying(at, signal, async () => await referrersPage(this.auth, at, page === 0, this.log, signal))
      if (got === undefined) return undefined
      if (manifests.length + got.manifests.length > MAX_REFERRERS) throw new OriginProtocolError(`origin ${host}: ${first.what} are more than ${MAX_REFERRERS}`, host)
      for (const m of got.manifests) manifests.push(m)
      filtered &&= got.filtered
      if (got.next === undefined) break
      if (page + 1 >= MAX_REFERRERS_PAGES) throw new OriginProtocolError(`origin ${host}: ${first.what} run to more than ${MAX_REFERRERS_PAGES} pages`, host)
      t = { ...first, url: got.next }
    }
    // A registry that did not say it filtered (OCI-Filters-Applied) may not have.
    return { manifests: artifactType === undefined || filtered ? manifests : manifests.filter(m => m.artifactType === artifactType) }
  }

  /** Close every connection (requests in flight get a moment to finish). Safe to call twice. */
  async close (): Promise<void> {
    this.auth.clear()
    await this.agents.close()
  }

  /** A request to `/v2/<repo>/<path>`; `check` vets what goes into `path` (after the host and repository are vetted). */
  private target (host: string, repo: string, path: string, what: string, access: Access, check: () => void): Target {
    const endpoint = originEndpoint(host, repo)
    check()
    if (this.agents.closed) throw new OriginUnavailableError(`origin ${host}: the origin client is closed`, host, { transient: false })
    const origin = this.settings.get(endpoint.key)
    return {
      host,
      key: endpoint.key,
      apiHost: endpoint.apiHost,
      repo: endpoint.repo,
      access,
      origin,
      dispatcher: this.agents.get(endpoint.key, origin),
      url: new URL(`${origin.scheme}://${endpoint.apiHost}/v2/${endpoint.repo}/${path}`),
      what
    }
  }

  private manifestTarget (host: string, repo: string, ref: string): Target {
    return this.target(host, repo, `manifests/${ref}`, `manifest ${nameOf(repo, ref)}`, 'pull', () => { checkReference(host, ref) })
  }

  private blobTarget (host: string, repo: string, digest: string): Target {
    return this.target(host, repo, `blobs/${digest}`, `blob ${repo}@${digest}`, 'pull', () => { checkDigest(host, digest) })
  }

  private readInit (t: Target, options: { signal?: AbortSignal }): { host: string, timeoutMs: number, what: string, signal?: AbortSignal } {
    return { host: t.host, timeoutMs: t.origin.timeoutMs, what: t.what, ...signalOf(options) }
  }

  private async retrying<T> (t: Target, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return await withRetries(fn, {
      retries: t.origin.retries,
      ...(signal !== undefined ? { signal } : {}),
      onRetry: (err, retry, delayMs) => {
        this.log.debug({ host: t.host, what: t.what, retry: retry + 1, delayMs: Math.round(delayMs), err: err.message }, 'origin request failed; retrying')
      }
    })
  }
}

function nameOf (repo: string, ref: string): string {
  return isDigest(ref) ? `${repo}@${ref}` : `${repo}:${ref}`
}

function algorithmOf (digest: string): string {
  return digest.slice(0, digest.indexOf(':'))
}

function signalOf (options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal !== undefined ? { signal: options.signal } : {}
}

export type { Response }
