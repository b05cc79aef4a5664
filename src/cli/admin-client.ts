/**
 * The admin API from the other side: a `DaemonApi` that talks HTTP to a
 * running daemon over its unix socket or loopback URL. Error bodies come back
 * as errors with the daemon's `name` and message, so code written against
 * `DaemonApi` works the same in process and across the socket. Used by the
 * CLI, the simulator and the benches.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { AddResult, BlobRow, DaemonApi, DaemonQuorumApi, DaemonStatus, ImageScan, LayerScan, PeerRow, PriorityApi, PriorityRound, QuarantineRecord, ShardRow, TargetsAnswer, ThreatApi, UsageEvent } from '../daemon/api.js'
import type { QuorumStatus, WriteResult } from '../quorum/api.js'
import type { FetchResult } from '../exchange/index.js'
import { InvalidRangeError } from '../store/errors.js'
import { AdminPermissionError, AdminResponseError, AdminTimeoutError, DaemonUnreachableError, InvalidAdminTargetError, RemoteError } from './errors.js'

/** Largest error or JSON answer read into memory (a blob list can be long). */
const MAX_JSON_RESPONSE_BYTES = 64 * 1024 * 1024
const MAX_ERROR_RESPONSE_BYTES = 64 * 1024

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTDIR', 'ENOTSOCK', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT'])
const FORBIDDEN = new Set(['EACCES', 'EPERM'])

type Endpoint = { socketPath: string } | { host: string, port: number }

interface CallOptions {
  headers?: OutgoingHttpHeaders
  body?: string | AsyncIterable<Uint8Array>
  signal?: AbortSignal | undefined
  /** Set by `quick`: the deadline behind `signal`, named in the error. */
  timeoutMs?: number
}

/** How long the CLI waits for a query's answer. */
const QUERY_TIMEOUT_MS = 30_000
/** `shards --providers` runs DHT lookups: give it longer. */
const PROVIDERS_QUERY_TIMEOUT_MS = 120_000

/** `http://host:port` and `host:port` are TCP; anything else is a unix socket path. */
export function parseAdminTarget (target: string): Endpoint {
  if (/^https?:\/\//i.test(target)) {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      throw new InvalidAdminTargetError(`--admin ${JSON.stringify(target)} is not a valid URL`)
    }
    if (url.protocol !== 'http:') throw new InvalidAdminTargetError(`--admin ${target}: the admin API is plain HTTP on loopback; use http://`)
    if (url.pathname !== '/' || url.search !== '') throw new InvalidAdminTargetError(`--admin ${target}: give the server only (http://HOST:PORT), without a path`)
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 80 : Number(url.port) }
  }
  const m = /^\[([0-9a-f:.]+)\]:(\d{1,5})$/i.exec(target) ?? /^([^/:]+):(\d{1,5})$/.exec(target)
  if (m != null) return { host: m[1] ?? '', port: Number(m[2]) }
  if (target === '') throw new InvalidAdminTargetError('--admin is empty; give a socket path or http://HOST:PORT')
  return { socketPath: target }
}

export class AdminClient implements DaemonApi {
  private readonly endpoint: Endpoint

  private readonly queryTimeoutMs: number

  /** @param target a unix socket path, `host:port`, or `http://host:port` */
  constructor (readonly target: string, init: { /** @default QUERY_TIMEOUT_MS (30 s) */ queryTimeoutMs?: number } = {}) {
    this.endpoint = parseAdminTarget(target)
    this.queryTimeoutMs = init.queryTimeoutMs ?? QUERY_TIMEOUT_MS
  }

  async status (options: { signal?: AbortSignal } = {}): Promise<DaemonStatus> {
    return await this.json<DaemonStatus>('GET', '/v1/status', this.quick(options))
  }

  async peers (options: { signal?: AbortSignal } = {}): Promise<PeerRow[]> {
    return await this.json<PeerRow[]>('GET', '/v1/peers', this.quick(options))
  }

  async blobs (options: { signal?: AbortSignal } = {}): Promise<BlobRow[]> {
    return await this.json<BlobRow[]>('GET', '/v1/blobs', this.quick(options))
  }

  async shards (options: { layer?: string, providers?: boolean, signal?: AbortSignal } = {}): Promise<ShardRow[]> {
    const q = new URLSearchParams()
    if (options.layer != null) q.set('layer', options.layer)
    if (options.providers === true) q.set('providers', '1')
    const qs = q.toString()
    return await this.json<ShardRow[]>('GET', '/v1/shards' + (qs === '' ? '' : '?' + qs), this.quick(options, options.providers === true ? Math.max(PROVIDERS_QUERY_TIMEOUT_MS, this.queryTimeoutMs) : this.queryTimeoutMs))
  }

  async add (source: AsyncIterable<Uint8Array>, options: { expectedDigest?: string, signal?: AbortSignal } = {}): Promise<AddResult> {
    const path = '/v1/blobs' + (options.expectedDigest != null ? '?digest=' + encodeURIComponent(options.expectedDigest) : '')
    return await this.json<AddResult>('POST', path, {
      headers: { 'content-type': 'application/octet-stream' },
      body: source,
      signal: options.signal
    })
  }

  async fetch (digest: string, options: { signal?: AbortSignal } = {}): Promise<FetchResult> {
    return await this.json<FetchResult>('POST', '/v1/fetch', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ digest }),
      signal: options.signal
    })
  }

  async * read (digest: string, options: { offset?: number, length?: number, signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const headers: OutgoingHttpHeaders = {}
    if (options.length === 0) return
    if (options.offset != null || options.length != null) {
      const first = options.offset ?? 0
      headers.range = `bytes=${first}-${options.length != null ? String(first + options.length - 1) : ''}`
    }
    const res = await this.call('GET', '/v1/blobs/' + encodeURIComponent(digest), { headers, signal: options.signal })
    if (options.length != null) {
      // HTTP clips a range that runs past the end; DaemonApi.read refuses it.
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']))
      const offset = options.offset ?? 0
      if (m == null || Number(m[2]) - Number(m[1]) + 1 !== options.length) {
        res.destroy()
        throw new InvalidRangeError(digest, offset, options.length, m != null ? Number(m[3]) : NaN)
      }
    }
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) yield chunk
    } finally {
      res.destroy()
    }
  }

  async metrics (options: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.body('GET', '/metrics', this.quick(options))).bytes.toString('utf8')
  }

  async usage (options: { limit?: number, sinceMs?: number, signal?: AbortSignal } = {}): Promise<UsageEvent[]> {
    const q = new URLSearchParams()
    if (options.limit != null) q.set('limit', String(options.limit))
    if (options.sinceMs != null) q.set('since', String(options.sinceMs))
    const qs = q.toString()
    return await this.json<UsageEvent[]>('GET', '/v1/usage' + (qs === '' ? '' : '?' + qs), this.quick(options))
  }

  /** The daemon's threat operations (`ThreatApi`) over the admin API. */
  get threat (): ThreatApi {
    const post = async <T>(path: string, body: object, options: { signal?: AbortSignal | undefined }, quick = false): Promise<T> => {
      const init = { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      return await this.json<T>('POST', path, quick ? { ...this.quick(options), ...init } : { ...init, signal: options.signal })
    }
    return {
      listFeeds: async () => await this.json('GET', '/v1/threat/feeds', this.quick({})),
      addFeed: async ({ signal, ...input }) => await post('/v1/threat/feeds', input, { signal }),
      updateFeeds: async ({ signal, ...input }) => await post('/v1/threat/feeds/update', input, { signal }),
      removeFeed: async (name) => await post('/v1/threat/feeds/remove', { name }, {}, true),
      scan: async (target, { signal, ...rest }) => await post<ImageScan>('/v1/threat/scan', { target, ...rest }, { signal }),
      score: async (digest, signal) => await this.json<LayerScan | null>('GET', '/v1/threat/layers/' + digest, { signal }) ?? undefined,
      quarantine: async () => await this.json<QuarantineRecord[]>('GET', '/v1/threat/quarantine', this.quick({})),
      release: async (digest) => (await post<{ released: boolean }>('/v1/threat/quarantine/release', { digest }, {}, true)).released
    }
  }

  /**
   * The daemon's replica quorum (`DaemonQuorumApi`) over the admin API.
   * `targets` keeps its contract (a linearizable read, or an error): when no
   * seed answers it fails with the daemon's QuorumUnavailableError, where
   * `targetsOrHeard` gives the table the daemon heard on gossip instead.
   */
  get quorum (): DaemonQuorumApi {
    const post = async (path: string, body: object, signal: AbortSignal | undefined): Promise<WriteResult> => {
      return await this.json<WriteResult>('POST', path, { ...this.quick({ ...(signal != null ? { signal } : {}) }), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    }
    const targetsOrHeard: DaemonQuorumApi['targetsOrHeard'] = async ({ signal, ...filter } = {}) => {
      const q = new URLSearchParams()
      if (filter.layer != null) q.set('layer', filter.layer)
      if (filter.region != null) q.set('region', filter.region)
      const qs = q.toString()
      return await this.json<TargetsAnswer>('GET', '/v1/quorum/targets' + (qs === '' ? '' : '?' + qs), this.quick({ ...(signal != null ? { signal } : {}) }))
    }
    return {
      status: async () => await this.json<QuorumStatus>('GET', '/v1/quorum/status', this.quick({})),
      targetsOrHeard,
      targets: async (filter = {}) => {
        const answer = await targetsOrHeard(filter)
        if (answer.source !== 'quorum') throw new RemoteError('QuorumUnavailableError', answer.unavailable ?? 'no seed answered', 503)
        return answer.targets
      },
      set: async ({ signal, ...input }) => await post('/v1/quorum/set', input, signal),
      clear: async ({ signal, ...input }) => await post('/v1/quorum/clear', input, signal),
      batch: async ({ signal, ...input }) => await post('/v1/quorum/batch', input, signal)
    }
  }

  /** The daemon's layer priorities (`PriorityApi`) over the admin API. */
  get priority (): PriorityApi {
    return {
      round: async ({ signal, ...query } = {}) => {
        const q = new URLSearchParams()
        if (query.region != null) q.set('region', query.region)
        if (query.top != null) q.set('top', String(query.top))
        const qs = q.toString()
        return await this.json<PriorityRound>('GET', '/v1/priority' + (qs === '' ? '' : '?' + qs), this.quick({ ...(signal != null ? { signal } : {}) }))
      }
    }
  }

  /**
   * A query (not a transfer) gets a deadline, so a daemon that hangs cannot
   * hang the CLI; adds, fetches and reads run as long as bytes move.
   */
  private quick (options: { signal?: AbortSignal }, timeoutMs = this.queryTimeoutMs): CallOptions {
    const timeout = AbortSignal.timeout(timeoutMs)
    return { signal: options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout, timeoutMs }
  }

  private async json<T> (method: string, path: string, options: CallOptions): Promise<T> {
    const { bytes, status } = await this.body(method, path, options)
    const text = bytes.toString('utf8')
    try {
      return JSON.parse(text) as T
    } catch {
      throw new AdminResponseError(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, status)
    }
  }

  /** A whole (bounded) answer; a query past its deadline becomes AdminTimeoutError. */
  private async body (method: string, path: string, options: CallOptions): Promise<{ bytes: Buffer, status: number }> {
    try {
      const res = await this.call(method, path, options)
      return { bytes: await readBody(res, MAX_JSON_RESPONSE_BYTES), status: res.statusCode ?? 0 }
    } catch (err) {
      if (options.timeoutMs != null && options.signal?.aborted === true && (options.signal.reason as Error | undefined)?.name === 'TimeoutError') {
        throw new AdminTimeoutError(this.target, `${method} ${path}`, options.timeoutMs)
      }
      throw err
    }
  }

  /**
   * One request. Resolves with a 2xx response, rejects with the daemon's
   * error. A body is sent only after the server's `100 Continue`, so a
   * request the server refuses up front (bad digest, too busy) gets its
   * error answer instead of a reset connection half-way through the upload.
   */
  private async call (method: string, path: string, options: CallOptions): Promise<IncomingMessage> {
    const streaming = options.body != null && typeof options.body !== 'string'
    const headers: OutgoingHttpHeaders = { accept: 'application/json', ...options.headers }
    if (typeof options.body === 'string') headers['content-length'] = Buffer.byteLength(options.body)
    if (streaming) headers.expect = '100-continue'
    const opts: RequestOptions = {
      method,
      path,
      headers,
      ...('socketPath' in this.endpoint ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port }),
      ...(options.signal != null ? { signal: options.signal } : {})
    }
    const req = httpRequest(opts)
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      let answered = false
      req.once('response', res => {
        answered = true
        resolve(res)
      })
      req.once('error', err => { reject(this.connectError(err)) })
      if (streaming) {
        req.once('continue', () => {
          const body = options.body as AsyncIterable<Uint8Array>
          pipeline(Readable.from(body, { objectMode: false }), req).catch((err: Error) => {
            // The server answered (and closed) before taking the whole body: its answer says why.
            if (!answered) reject(err)
          })
        })
      } else {
        req.end(options.body)
      }
    })
    const status = res.statusCode ?? 0
    if (status >= 200 && status < 300) return res
    try {
      throw await remoteError(res, method, path)
    } finally {
      // A refused upload never sent (or never finished) its body: drop the connection.
      if (!req.writableFinished) req.destroy()
    }
  }

  private connectError (err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (UNREACHABLE.has(code)) return new DaemonUnreachableError(this.target, code)
    if (FORBIDDEN.has(code)) return new AdminPermissionError(this.target, code)
    return err
  }
}

async function readBody (res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > maxBytes) {
      res.destroy()
      throw new AdminResponseError(`the admin API answered with more than ${maxBytes} bytes`, res.statusCode ?? 0)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

async function remoteError (res: IncomingMessage, method: string, path: string): Promise<Error> {
  const status = res.statusCode ?? 0
  let text = ''
  try {
    text = (await readBody(res, MAX_ERROR_RESPONSE_BYTES)).toString('utf8')
    const body = JSON.parse(text) as { error?: { name?: unknown, message?: unknown } }
    const name = body.error?.name
    const message = body.error?.message
    if (typeof name === 'string' && typeof message === 'string') return new RemoteError(name, message, status)
  } catch {
    // Fall through: not our error body.
  }
  return new AdminResponseError(`${method} ${path} answered ${status} ${res.statusMessage ?? ''}${text !== '' ? ': ' + text.slice(0, 200) : ''}`.trim(), status)
}
