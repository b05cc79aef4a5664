/**
 * The origin client: the four pull-side registry calls (manifest and blob,
 * HEAD and GET) and byte ranges, each retried for transient failures.
 */
import type { Logger } from 'pino'
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES } from '../constants.js'
import type { ManifestHead, ManifestResponse, OriginClientComponents, OriginClientInit } from './index.js'
import { AgentPool } from './agents.js'
import { Authenticator } from './auth.js'
import { blobBody } from './blob-body.js'
import { MAX_RANGE_BYTES } from './constants.js'
import { checkDigest, checkReference, isDigest, originEndpoint } from './endpoint.js'
import { InvalidOriginRequestError, OriginProtocolError, OriginUnavailableError } from './errors.js'
import { exchange, fail, type Target } from './exchange.js'
import { contentLength, discard, header, readBody, type Response } from './http.js'
import { isGenericMediaType, manifestMediaType, mediaTypeOf, verifyManifest } from './manifest.js'
import { readPartial, sliceWhole } from './range.js'
import { withRetries } from './retry.js'
import { OriginSettingsTable } from './settings.js'

const ACCEPT = MANIFEST_ACCEPT.join(', ')

export class OriginClient {
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
    const t = this.target(host, repo, 'manifests', ref, `manifest ${nameOf(repo, ref)}`)
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
    const t = this.target(host, repo, 'manifests', ref, `manifest ${nameOf(repo, ref)}`)
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

  /** Close every connection (requests in flight get a moment to finish). Safe to call twice. */
  async close (): Promise<void> {
    this.auth.clear()
    await this.agents.close()
  }

  private target (host: string, repo: string, kind: 'manifests' | 'blobs', ref: string, what: string): Target {
    const endpoint = originEndpoint(host, repo)
    if (kind === 'manifests') checkReference(host, ref)
    else checkDigest(host, ref)
    if (this.agents.closed) throw new OriginUnavailableError(`origin ${host}: the origin client is closed`, host, { transient: false })
    const origin = this.settings.get(endpoint.key)
    return {
      host,
      key: endpoint.key,
      apiHost: endpoint.apiHost,
      repo: endpoint.repo,
      origin,
      dispatcher: this.agents.get(endpoint.key, origin),
      url: new URL(`${origin.scheme}://${endpoint.apiHost}/v2/${endpoint.repo}/${kind}/${ref}`),
      what
    }
  }

  private blobTarget (host: string, repo: string, digest: string): Target {
    return this.target(host, repo, 'blobs', digest, `blob ${repo}@${digest}`)
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
