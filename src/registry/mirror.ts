/**
 * The registry mirror: the pull side of the OCI distribution API over HTTP,
 * for containerd (or any OCI client). `GET /v2/`, `HEAD`/`GET` manifests by
 * tag or digest, `HEAD`/`GET` blobs with `Range`. The origin registry is the
 * `ns` query parameter containerd adds, or the configured default. Errors are
 * OCI error bodies; every request has limits (header size, concurrency,
 * idle time) and a failure in one never stops the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { InvalidRangeError } from '../store/errors.js'
import { parseRange } from '../admin/http.js'
import { isLoopbackHost } from '../admin/listen.js'
import type { BlobService } from './blobs.js'
import { raceAbort } from './deferred.js'
import type { ManifestService } from './manifests.js'
import {
  MEDIA_TYPES, HEADERS_TIMEOUT_MS, JUDGE_BEFORE_HEADERS_MAX_BYTES, MAX_CONCURRENT_REQUESTS, MAX_HEADER_BYTES, MAX_PATH_BYTES, STREAM_IDLE_TIMEOUT_MS
} from './constants.js'
import {
  HeadersTooLargeError, MalformedRequestError, NameInvalidError, RangeInvalidError, RegistryError, TooManyRequestsError, UnsupportedError,
  errorBody, toRegistryError
} from './errors.js'
import { canonicalOrigin, isRegistryHost, parseRoute, refString, type Route } from './reference.js'
import type { OriginTarget, ServedEvent, UsageRecorder } from './types.js'
import type { GrowingBlob, ShardSource } from '../exchange/index.js'

export interface MirrorInit {
  /** `host:port` to listen on. */
  listen: string
  /** Origin host for requests without `ns`. */
  defaultOrigin?: string
  region?: string
  maxConcurrentRequests?: number
  streamIdleTimeoutMs?: number
  /** Blobs up to this size are judged by the threat guard before their headers. @default JUDGE_BEFORE_HEADERS_MAX_BYTES (64 MiB) */
  judgeBeforeHeadersMaxBytes?: number
}

export interface MirrorComponents {
  blobs: BlobService
  manifests: ManifestService
  /** Looks up each image's shard index artifact as its manifest is served. */
  trusted?: {
    expect (target: OriginTarget, manifest: { digest: string, mediaType: string, bytes: Uint8Array }): void
    readonly stats: { found: number, none: number, invalid: number, failed: number }
  }
  /** The Referrers API, answered from the origin (its API, else its referrers tag). */
  referrers?: (target: OriginTarget, digest: string, options: { artifactType?: string, signal: AbortSignal }) => Promise<{ bytes: Uint8Array, filtered: boolean }>
  usage?: UsageRecorder
  logger: Logger
  /** Counts for metrics. */
  onServed?: (event: ServedEvent) => void
}

export interface MirrorStats {
  requests: number
  active: number
  errors: number
}

export class Mirror {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  readonly stats: MirrorStats = { requests: 0, active: 0, errors: 0 }

  /** Shard index artifact lookups at the origin, by outcome (all zero when lookups are off). */
  get artifactLookups (): { found: number, none: number, invalid: number, failed: number } {
    return this.components.trusted?.stats ?? { found: 0, none: 0, invalid: 0, failed: 0 }
  }
  private address: { host: string, port: number } | undefined

  constructor (private readonly init: MirrorInit, private readonly components: MirrorComponents) {
    if (init.defaultOrigin != null && !isRegistryHost(init.defaultOrigin)) {
      throw new NameInvalidError(`default origin ${JSON.stringify(init.defaultOrigin)} is not a registry host (host or host:port, no scheme)`)
    }
  }
  /** Blobs being assembled now. */
  get assembling (): number {
    return this.components.blobs.active
  }

  /** A blob being streamed in now, its shards listed as they are cut (for peers' partial-index requests). */
  growing (digest: string): GrowingBlob | undefined {
    return this.components.blobs.growing(digest)
  }


  /** The URL clients use, once listening. */
  get url (): string {
    if (this.address == null) throw new Error('the mirror is not listening')
    const h = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host
    return `http://${h}:${this.address.port}`
  }

  async start (): Promise<void> {
    if (this.server != null) return
    const { host, port } = parseHostPort(this.init.listen)
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0, keepAliveTimeout: 30_000 })
    server.on('request', (req: IncomingMessage, res: ServerResponse) => { void this.handle(req, res) })
    server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.once('close', () => { this.sockets.delete(s) })
    })
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed or oversized request heads never reach `request`: answer them here.
      if (!socket.writable) { socket.destroy(); return }
      const e = err.code === 'HPE_HEADER_OVERFLOW'
        ? new HeadersTooLargeError(`request headers are over the limit of ${MAX_HEADER_BYTES} bytes`)
        : new MalformedRequestError(`malformed HTTP request: ${err.code ?? err.message}`)
      const body = errorBody(e)
      socket.end(`HTTP/1.1 ${e.status} ${e.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
    })
    server.listen(port, host)
    await once(server, 'listening')
    const a = server.address()
    if (a == null || typeof a === 'string') throw new Error('the mirror has no TCP address')
    this.address = { host: a.address, port: a.port }
    this.server = server
    this.components.logger.info({ url: this.url }, 'registry mirror listening')
    if (!isLoopbackHost(this.address.host)) {
      this.components.logger.warn({ url: this.url }, 'the registry mirror listens beyond loopback: anyone who reaches it can pull what this daemon\'s origin credentials allow')
    }
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    this.components.blobs.stop()
    const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
    for (const s of this.sockets) s.destroy()
    await closed
  }

  private origin (url: URL, name: string): OriginTarget {
    const ns = url.searchParams.get('ns')
    if (ns != null && ns !== '') {
      if (!isRegistryHost(ns)) throw new NameInvalidError(`ns=${JSON.stringify(ns.slice(0, 100))} is not a registry host`)
      return canonicalOrigin(ns, name)
    }
    if (this.init.defaultOrigin != null) return canonicalOrigin(this.init.defaultOrigin, name)
    return { host: undefined, name }
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const startedMs = Date.now()
    this.stats.requests++
    this.stats.active++
    const controller = new AbortController()
    const onClose = (): void => { if (!res.writableFinished) controller.abort(new Error('the client went away')) }
    res.once('close', onClose)
    const ctx: RequestContext = { req, res, signal: controller.signal, started, startedMs, sent: 0, bySource: { local: 0, peer: 0, origin: 0 } }
    let route: Route | undefined
    try {
      if (this.stats.active > (this.init.maxConcurrentRequests ?? MAX_CONCURRENT_REQUESTS)) {
        throw new TooManyRequestsError(`more than ${this.init.maxConcurrentRequests ?? MAX_CONCURRENT_REQUESTS} requests at once; retry shortly`)
      }
      const rawUrl = req.url ?? '/'
      if (rawUrl.length > MAX_PATH_BYTES) throw new NameInvalidError(`request path is over ${MAX_PATH_BYTES} bytes`)
      const url = new URL(rawUrl, 'http://mirror.invalid')
      route = parseRoute(url.pathname)
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD')
        throw new UnsupportedError(`${req.method ?? '?'} is not supported: this mirror is read-only (GET and HEAD)`)
      }
      switch (route.kind) {
        case 'base':
          send(res, 200, { 'content-type': 'application/json' }, req.method === 'HEAD' ? undefined : '{}')
          return
        case 'manifest':
          await this.manifest(ctx, this.origin(url, route.name), route)
          return
        case 'blob':
          await this.blob(ctx, this.origin(url, route.name), route.digest)
          return
        case 'referrers':
          await this.referrers(ctx, this.origin(url, route.name), route.digest, url.searchParams.get('artifactType') ?? undefined)
      }
    } catch (err) {
      this.fail(ctx, err, route?.kind === 'blob' ? 'blob' : 'manifest')
    } finally {
      res.off('close', onClose)
      this.stats.active--
    }
  }

  private fail (ctx: RequestContext, err: unknown, kind: 'manifest' | 'blob'): void {
    const { res, req } = ctx
    const e = toRegistryError(err, kind)
    this.stats.errors++
    if (ctx.signal.aborted && !(err instanceof RegistryError)) {
      this.components.logger.debug({ url: req.url, err: (err as Error).message }, 'client went away')
      res.destroy()
      return
    }
    const log = this.components.logger
    const fields = { method: req.method, url: req.url, status: e.status, err: e.message }
    if (e.status >= 500) log.warn(fields, 'mirror request failed')
    else if (e.code === 'DENIED') log.warn(fields, 'mirror request denied')
    else if (e.status === 401 || e.status === 403) log.warn(fields, 'mirror request refused by the origin')
    else log.debug(fields, 'mirror request refused')
    if (res.headersSent) {
      // Mid-body: all we can do is cut the response so the client sees it incomplete and retries.
      res.destroy(err instanceof Error ? err : new Error(String(err)))
      return
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (e instanceof RangeInvalidError && e.sizeBytes > 0) headers['content-range'] = `bytes */${e.sizeBytes}`
    send(res, e.status, headers, req.method === 'HEAD' ? undefined : errorBody(e))
  }

  private async manifest (ctx: RequestContext, target: OriginTarget, route: Extract<Route, { kind: 'manifest' }>): Promise<void> {
    const { req, res, signal } = ctx
    const m = await this.components.manifests.get(target, route.reference, signal)
    const headers = {
      'content-type': m.mediaType,
      'content-length': String(m.bytes.byteLength),
      'docker-content-digest': m.digest,
      etag: `"${m.digest}"`
    }
    ctx.bySource[m.source] += m.bytes.byteLength
    if (req.method === 'GET') this.components.trusted?.expect(target, m)
    if (req.method === 'HEAD') {
      send(res, 200, headers)
    } else {
      send(res, 200, headers, m.bytes)
      ctx.sent = m.bytes.byteLength
    }
    this.served(ctx, target, refString(route.reference), m.digest, 'manifest', 200)
  }

  private async referrers (ctx: RequestContext, target: OriginTarget, digest: string, artifactType: string | undefined): Promise<void> {
    const lookup = this.components.referrers
    if (lookup == null || target.host == null) throw new UnsupportedError('the Referrers API needs an origin (containerd adds ?ns=HOST; or set the daemon\'s default origin)')
    const { bytes, filtered } = await lookup(target, digest, { ...(artifactType != null ? { artifactType } : {}), signal: ctx.signal })
    const headers: Record<string, string> = { 'content-type': MEDIA_TYPES.ociIndex, 'content-length': String(bytes.byteLength) }
    if (filtered) headers['oci-filters-applied'] = 'artifactType'
    send(ctx.res, 200, headers, ctx.req.method === 'HEAD' ? undefined : bytes)
  }

  private async blob (ctx: RequestContext, target: OriginTarget, digest: string): Promise<void> {
    const { req, res, signal } = ctx
    const { blobs } = this.components
    if (req.method === 'HEAD') {
      const size = await blobs.size(target, digest, signal)
      send(res, 200, { 'content-type': 'application/octet-stream', 'content-length': String(size), 'docker-content-digest': digest, 'accept-ranges': 'bytes', etag: `"${digest}"` })
      return
    }
    const opened = await blobs.open(target, digest, signal)
    const sizeBytes = opened.kind === 'local' ? opened.sizeBytes : await opened.job.ready(signal)
    // A small blob is judged whole before its headers, so a refusal reaches the client as DENIED with the reason.
    if (opened.kind === 'job' && blobs.gating && sizeBytes <= (this.init.judgeBeforeHeadersMaxBytes ?? JUDGE_BEFORE_HEADERS_MAX_BYTES)) await raceAbort(opened.job.done, signal)
    let range: ReturnType<typeof parseRange>
    try {
      range = parseRange(req.headers.range, sizeBytes, digest)
    } catch (err) {
      if (err instanceof InvalidRangeError) throw new RangeInvalidError(`range ${JSON.stringify(req.headers.range)} is outside blob ${digest} of ${sizeBytes} bytes`, sizeBytes)
      throw err
    }
    const offset = range?.offset ?? 0
    const length = range?.length ?? sizeBytes
    const it = blobs.read(opened, digest, { offset, length, signal })[Symbol.asyncIterator]()
    // The first piece comes before the headers, so a blob that cannot be had still gets an error status.
    let r = length > 0 ? await it.next() : { done: true as const, value: undefined }
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'docker-content-digest': digest,
      'accept-ranges': 'bytes',
      etag: `"${digest}"`
    }
    if (range != null) headers['content-range'] = `bytes ${offset}-${offset + length - 1}/${sizeBytes}`
    res.writeHead(range != null ? 206 : 200, headers)
    const idleMs = this.init.streamIdleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS
    try {
      while (r.done !== true) {
        const { bytes, source } = r.value
        ctx.sent += bytes.byteLength
        ctx.bySource[source] += bytes.byteLength
        if (!res.write(bytes)) await drain(res, idleMs, signal)
        r = await it.next()
      }
      res.end()
    } finally {
      if (r.done !== true) await it.return?.(undefined).catch(() => {})
    }
    this.served(ctx, target, digest, digest, 'blob', range != null ? 206 : 200)
  }

  private served (ctx: RequestContext, target: OriginTarget, reference: string, digest: string, kind: 'manifest' | 'blob', status: number): void {
    const event: ServedEvent = {
      timeMs: ctx.startedMs,
      origin: target.host ?? '',
      repository: target.name,
      reference,
      digest,
      kind,
      bytes: ctx.sent,
      bytesBySource: ctx.bySource,
      durationMs: Math.round((performance.now() - ctx.started) * 10) / 10,
      client: ctx.req.socket.remoteAddress ?? '',
      status,
      ...(this.init.region != null ? { region: this.init.region } : {})
    }
    this.components.onServed?.(event)
    this.components.usage?.record(event)
  }
}

interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  signal: AbortSignal
  started: number
  startedMs: number
  sent: number
  bySource: Record<ShardSource, number>
}

function send (res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Uint8Array): void {
  if (res.headersSent || res.destroyed) return
  const h: Record<string, string> = { 'docker-distribution-api-version': 'registry/2.0', ...headers }
  if (body != null && h['content-length'] == null) h['content-length'] = String(Buffer.byteLength(body))
  res.writeHead(status, h)
  res.end(body)
}

async function drain (res: ServerResponse, idleMs: number, signal: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(idleMs)
  try {
    await once(res, 'drain', { signal: AbortSignal.any([signal, timeout]) })
  } catch (err) {
    if (timeout.aborted && !signal.aborted) throw new Error(`the client read nothing for ${idleMs} ms`)
    throw err
  }
}

export function parseHostPort (listen: string): { host: string, port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(listen) ?? /^([^:[\]]+):(\d{1,5})$/.exec(listen)
  const port = Number(m?.[2])
  if (m == null || !Number.isInteger(port) || port > 65535) {
    throw new NameInvalidError(`mirror listen address ${JSON.stringify(listen)} is not host:port, e.g. 127.0.0.1:5050`)
  }
  return { host: m[1] ?? '', port }
}
