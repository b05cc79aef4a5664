/**
 * The admin HTTP server: lifecycle, listening (unix socket or loopback TCP),
 * limits, and turning thrown errors into JSON error bodies. Routes are in
 * `routes.ts`.
 */
import { chmod } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { DaemonApi } from '../daemon/api.js'
import type { AdminLogger, AdminServer, AdminServerInit } from './index.js'
import {
  FETCH_TIMEOUT_MS, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, MAX_CONCURRENT_REQUESTS, MAX_CONNECTIONS,
  MAX_JSON_BODY_BYTES, REQUEST_TIMEOUT_MS, SOCKET_MODE, STREAM_IDLE_TIMEOUT_MS
} from './constants.js'
import { errorName, errorStatus, type ErrorContext } from './error-status.js'
import {
  AdminStoppingError, ForbiddenHostError, InvalidAdminOptionError, InvalidRequestError, MethodNotAllowedError,
  RequestTimeoutError, TooManyRequestsError
} from './errors.js'
import { errorBody, sendJson, sendText } from './http.js'
import { isLoopbackHostHeader, parseListen, prepareSocketPath, type TcpListen } from './listen.js'
import { matchRoute, type Route, type RouteContext } from './routes.js'

const KNOWN_OPTIONS = new Set([
  'socketPath', 'listen', 'logger', 'maxConcurrentRequests', 'maxJsonBodyBytes', 'headersTimeoutMs',
  'requestTimeoutMs', 'fetchTimeoutMs', 'streamIdleTimeoutMs'
])

const SILENT: AdminLogger = { debug () {}, warn () {}, error () {} }

type Target = { kind: 'unix', path: string } | ({ kind: 'tcp' } & TcpListen)

export class AdminHttpServer implements AdminServer {
  private readonly target: Target
  private readonly log: AdminLogger
  private readonly limits: Record<Limit, number>
  private server: Server | undefined
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  private accepting = false
  private active = 0
  private readonly controllers = new Set<AbortController>()

  constructor (private readonly api: DaemonApi, init: AdminServerInit) {
    for (const key of Object.keys(init)) {
      if (!KNOWN_OPTIONS.has(key)) throw new InvalidAdminOptionError(`unknown admin server option ${JSON.stringify(key)}; known: ${[...KNOWN_OPTIONS].join(', ')}`)
    }
    const hasSocket = init.socketPath != null && init.socketPath !== ''
    const hasListen = init.listen != null && init.listen !== ''
    if (hasSocket === hasListen) {
      throw new InvalidAdminOptionError('give the admin server exactly one of socketPath (a unix socket) and listen (loopback host:port)')
    }
    this.target = hasSocket ? { kind: 'unix', path: init.socketPath ?? '' } : { kind: 'tcp', ...parseListen(init.listen ?? '') }
    this.log = init.logger ?? SILENT
    this.limits = {
      maxConcurrentRequests: positive(init, 'maxConcurrentRequests', MAX_CONCURRENT_REQUESTS),
      maxJsonBodyBytes: positive(init, 'maxJsonBodyBytes', MAX_JSON_BODY_BYTES),
      headersTimeoutMs: positive(init, 'headersTimeoutMs', HEADERS_TIMEOUT_MS),
      requestTimeoutMs: positive(init, 'requestTimeoutMs', REQUEST_TIMEOUT_MS),
      fetchTimeoutMs: positive(init, 'fetchTimeoutMs', FETCH_TIMEOUT_MS),
      streamIdleTimeoutMs: positive(init, 'streamIdleTimeoutMs', STREAM_IDLE_TIMEOUT_MS)
    }
  }

  async start (): Promise<void> {
    if (this.stopping != null) await this.stopping
    this.starting ??= this.listen().catch(err => {
      this.starting = undefined
      throw err
    })
    await this.starting
  }

  async stop (): Promise<void> {
    if (this.starting == null) return
    this.stopping ??= this.close().finally(() => {
      this.starting = undefined
      this.stopping = undefined
    })
    await this.stopping
  }

  address (): string {
    if (this.target.kind === 'unix') return this.target.path
    const a = this.server?.address()
    if (a != null && typeof a === 'object') return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
    const host = this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host
    return `http://${host}:${this.target.port}`
  }

  private async listen (): Promise<void> {
    const server = createServer({
      // Uploads and downloads are long; each route has its own limit instead.
      requestTimeout: 0,
      headersTimeout: this.limits.headersTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // How often Node checks headersTimeout; its default (30 s) would make a short limit loose.
      connectionsCheckingInterval: Math.min(1000, this.limits.headersTimeoutMs)
    }, (req, res) => { void this.handle(req, res) })
    server.maxConnections = MAX_CONNECTIONS
    // Uploads ask before sending their body; routes say yes (acceptBody) once the request passes its checks.
    server.on('checkContinue', (req, res) => { void this.handle(req, res) })
    if (this.target.kind === 'unix') await prepareSocketPath(this.target.path)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      const opts = this.target.kind === 'unix' ? { path: this.target.path } : { host: this.target.host, port: this.target.port }
      server.listen(opts, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', err => { this.log.error({ err: err.message, address: this.address() }, 'admin server error') })
    if (this.target.kind === 'unix') {
      try {
        await chmod(this.target.path, SOCKET_MODE)
      } catch (err) {
        await new Promise<void>(resolve => { server.close(() => { resolve() }) })
        throw err
      }
    }
    this.server = server
    this.accepting = true
    this.log.debug({ address: this.address() }, 'admin server listening')
  }

  private async close (): Promise<void> {
    await this.starting?.catch(() => {})
    const server = this.server
    this.accepting = false
    this.server = undefined
    if (server == null) return
    for (const c of this.controllers) c.abort(new AdminStoppingError('the admin server is stopping'))
    const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
    server.closeAllConnections()
    // Node unlinks a unix socket when its server closes; unlinking again could remove a successor's.
    await closed
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedMs = performance.now()
    res.once('finish', () => {
      this.log.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - startedMs) }, 'admin request')
    })
    if (!this.accepting) {
      res.setHeader('connection', 'close')
      sendJson(res, 503, errorBody(new AdminStoppingError('the admin server is stopping')))
      return
    }
    if (this.active >= this.limits.maxConcurrentRequests) {
      res.setHeader('retry-after', '1')
      res.setHeader('connection', 'close')
      sendJson(res, 503, errorBody(new TooManyRequestsError(`${this.active} admin requests in progress, the limit is ${this.limits.maxConcurrentRequests}; retry shortly`)))
      return
    }
    this.active++
    const controller = new AbortController()
    this.controllers.add(controller)
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new DOMException('the client closed the connection', 'AbortError'))
    })
    const matched: { route?: Route } = {}
    try {
      await this.dispatch(req, res, controller, matched)
    } catch (err) {
      try {
        this.fail(req, res, err, matched.route?.errorContext ?? 'default')
      } catch (failure) {
        this.log.error({ method: req.method, url: req.url, err: (failure as Error).message }, 'could not send the error answer')
        res.destroy()
      }
    } finally {
      this.active--
      this.controllers.delete(controller)
    }
  }

  /** Route and run a request; `matched.route` is set once known, so errors are mapped in its context. */
  private async dispatch (req: IncomingMessage, res: ServerResponse, controller: AbortController, matched: { route?: Route }): Promise<void> {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid')
    } catch {
      throw new InvalidRequestError('malformed request target')
    }
    if (this.target.kind === 'tcp' && !isLoopbackHostHeader(req.headers.host)) {
      throw new ForbiddenHostError(`Host ${JSON.stringify(req.headers.host)} is not loopback; the admin API answers only requests addressed to 127.0.0.1, ::1 or localhost`)
    }
    const { route, params } = matchRoute(req.method ?? '', url.pathname)
    matched.route = route
    const ctx: RouteContext = {
      api: this.api,
      req,
      res,
      url,
      signal: controller.signal,
      abort: reason => { controller.abort(reason) },
      maxJsonBodyBytes: this.limits.maxJsonBodyBytes,
      streamIdleTimeoutMs: this.limits.streamIdleTimeoutMs
    }
    if (route.kind === 'stream') {
      await route.handle(ctx, params)
      return
    }
    const timeoutMs = route.timeout === 'fetch' ? this.limits.fetchTimeoutMs : this.limits.requestTimeoutMs
    const timer = setTimeout(() => {
      controller.abort(new RequestTimeoutError(`${req.method ?? ''} ${url.pathname} took longer than ${timeoutMs} ms`))
    }, timeoutMs)
    try {
      // Answer on abort even if the daemon call does not honour its signal.
      const reply = await raceAbort(route.handle(ctx, params), controller.signal)
      if (reply == null) return
      if ('json' in reply) sendJson(res, reply.status ?? 200, reply.json, reply.headers)
      else sendText(res, reply.status ?? 200, reply.contentType, reply.text)
    } finally {
      clearTimeout(timer)
    }
  }

  private fail (req: IncomingMessage, res: ServerResponse, err: unknown, context: ErrorContext): void {
    const status = errorStatus(err, context)
    const name = errorName(err)
    const message = (err as Error)?.message
    if (res.destroyed || res.writableEnded) {
      this.log.debug({ method: req.method, url: req.url, errName: name, err: message }, 'admin request ended by the client')
      return
    }
    if (res.headersSent) {
      // Mid-stream: the client sees a cut connection rather than a short blob.
      this.log.warn({ method: req.method, url: req.url, errName: name, err: message }, 'admin stream failed after headers')
      res.destroy()
      return
    }
    if (status >= 500) this.log.warn({ method: req.method, url: req.url, status, errName: name, err: message }, 'admin request failed')
    // An unread body would otherwise be read (and thrown away) to keep the connection.
    if (!req.complete) res.setHeader('connection', 'close')
    if (err instanceof MethodNotAllowedError) res.setHeader('allow', err.allow.join(', '))
    if (errorName(err) === 'InvalidRangeError' && typeof (err as { size?: unknown }).size === 'number') {
      res.setHeader('content-range', `bytes */${(err as { size: number }).size}`)
    }
    sendJson(res, status, errorBody(err))
  }
}

async function raceAbort<T> (p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
    // The losing promise's rejection is handled here, not left unhandled.
    p.catch(() => {})
  }
}

type Limit = 'maxConcurrentRequests' | 'maxJsonBodyBytes' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'fetchTimeoutMs' | 'streamIdleTimeoutMs'

function positive (init: AdminServerInit, key: Limit, fallback: number): number {
  const v = init[key]
  if (v == null) return fallback
  if (!Number.isFinite(v) || v <= 0) throw new InvalidAdminOptionError(`admin server option ${key} must be a positive number, got ${String(v)}`)
  return v
}
