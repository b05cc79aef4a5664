/** The admin API's routes: each parses its input, calls `DaemonApi`, and returns what to send. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DaemonApi } from '../daemon/api.js'
import { USAGE_MAX_TIME_MS, USAGE_TAIL_MAX_LIMIT } from '../usage/constants.js'
import type { ErrorContext } from './error-status.js'
import { InvalidRequestError, MethodNotAllowedError, RouteNotFoundError } from './errors.js'
import { readJsonBody, requireMediaType } from './http.js'
import { downloadBlob, uploadBlob } from './blob-stream.js'
import { THREAT_ROUTES } from './threat-routes.js'
import { QUORUM_ROUTES } from './quorum-routes.js'
import { PRIORITY_ROUTES } from './priority-routes.js'
import { flag, integer, query, requireDigest } from './params.js'

export interface RouteContext {
  api: DaemonApi
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Aborted when the client goes away, the route times out, or the server stops. */
  signal: AbortSignal
  abort: (reason: Error) => void
  maxJsonBodyBytes: number
  streamIdleTimeoutMs: number
}

export type Reply =
  | { status?: number, json: unknown, headers?: Record<string, string> }
  | { status?: number, text: string, contentType: string }

export interface Route {
  method: 'GET' | 'POST'
  /** An exact path, or a pattern whose groups are passed to `handle`. */
  path: string | RegExp
  /** `json` routes return a Reply within a time limit; `stream` routes write the response themselves. */
  kind: 'json' | 'stream'
  /** Which time limit applies to a `json` route. */
  timeout?: 'request' | 'fetch'
  errorContext?: ErrorContext
  handle: (ctx: RouteContext, params: string[]) => Promise<Reply | undefined>
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export const ROUTES: readonly Route[] = [
  {
    method: 'GET', path: '/v1/status', kind: 'json',
    handle: async ({ api, url }) => { query(url, []); return { json: await api.status() } }
  },
  {
    method: 'GET', path: '/v1/peers', kind: 'json',
    handle: async ({ api, url }) => { query(url, []); return { json: await api.peers() } }
  },
  {
    method: 'GET', path: '/v1/blobs', kind: 'json',
    handle: async ({ api, url }) => { query(url, []); return { json: await api.blobs() } }
  },
  {
    method: 'GET', path: '/v1/shards', kind: 'json',
    handle: async ({ api, url, signal }) => {
      const q = query(url, ['layer', 'providers'])
      const layer = q.get('layer')
      if (layer != null) requireDigest(layer, 'layer')
      const providers = flag(q.get('providers'), 'providers')
      return { json: await api.shards({ ...(layer != null ? { layer } : {}), providers, signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/blobs', kind: 'stream',
    handle: async ctx => {
      const expected = query(ctx.url, ['digest']).get('digest')
      if (expected != null) requireDigest(expected, 'digest')
      requireMediaType(ctx.req, 'application/octet-stream')
      await uploadBlob(ctx, expected)
      return undefined
    }
  },
  {
    method: 'POST', path: '/v1/fetch', kind: 'json', timeout: 'fetch', errorContext: 'fetch',
    handle: async ({ api, req, res, url, signal, maxJsonBodyBytes }) => {
      query(url, [])
      requireMediaType(req, 'application/json')
      const body = await readJsonBody(req, res, maxJsonBodyBytes, signal)
      if (typeof body !== 'object' || body == null || Array.isArray(body)) {
        throw new InvalidRequestError('body must be a JSON object: {"digest": "sha256:..."}')
      }
      const digest = (body as { digest?: unknown }).digest
      if (typeof digest !== 'string') throw new InvalidRequestError('body must have a string "digest": {"digest": "sha256:..."}')
      requireDigest(digest, 'digest')
      return { json: await api.fetch(digest, { signal }) }
    }
  },
  {
    method: 'GET', path: /^\/v1\/blobs\/([^/]+)$/, kind: 'stream',
    handle: async (ctx, [segment = '']) => {
      query(ctx.url, [])
      let digest: string
      try {
        digest = decodeURIComponent(segment)
      } catch {
        throw new InvalidRequestError('blob path is not valid percent-encoding')
      }
      requireDigest(digest, 'blob digest')
      await downloadBlob(ctx, digest)
      return undefined
    }
  },
  {
    method: 'GET', path: '/v1/usage', kind: 'json',
    handle: async ({ api, url, signal }) => {
      const q = query(url, ['limit', 'since'])
      const limit = integer(q.get('limit'), 'limit', 1, USAGE_TAIL_MAX_LIMIT, 'the number of events')
      const sinceMs = integer(q.get('since'), 'since', 0, USAGE_MAX_TIME_MS, 'a time in ms since the epoch')
      return { json: await api.usage({ ...(limit != null ? { limit } : {}), ...(sinceMs != null ? { sinceMs } : {}), signal }) }
    }
  },
  ...THREAT_ROUTES,
  ...QUORUM_ROUTES,
  ...PRIORITY_ROUTES,
  {
    method: 'GET', path: '/metrics', kind: 'json',
    handle: async ({ api }) => ({ text: await api.metrics(), contentType: PROMETHEUS_CONTENT_TYPE })
  }
]

export interface RouteMatch {
  route: Route
  params: string[]
}

/** Find the route for a request; RouteNotFoundError or MethodNotAllowedError (with the methods allowed) otherwise. */
export function matchRoute (method: string, pathname: string): RouteMatch {
  const allow: string[] = []
  for (const route of ROUTES) {
    let params: string[] | undefined
    if (typeof route.path === 'string') {
      if (route.path === pathname) params = []
    } else {
      const m = route.path.exec(pathname)
      if (m != null) params = m.slice(1).map(s => s ?? '')
    }
    if (params == null) continue
    if (route.method === method) return { route, params }
    allow.push(route.method)
  }
  if (allow.length > 0) throw new MethodNotAllowedError(allow, `${method} is not allowed on ${pathname}; use ${allow.join(' or ')}`)
  throw new RouteNotFoundError(`no admin route ${pathname}`)
}
