/** The admin API's threat routes: feeds, scans, scores and the quarantine, over `DaemonApi.threat`. */
import type { ThreatApi } from '../daemon/api.js'
import { InvalidRequestError } from './errors.js'
import { readJsonBody, requireMediaType } from './http.js'
import { query, requireDigest } from './params.js'
import type { Route, RouteContext } from './routes.js'

export class ThreatDisabledError extends Error {
  override name = 'ThreatDisabledError'
}

function threat (ctx: RouteContext): ThreatApi {
  if (ctx.api.threat == null) throw new ThreatDisabledError('threat scanning is off in this daemon (started with --threat off)')
  return ctx.api.threat
}

/** The JSON object body, with only `allowed` keys, each a string. */
async function body (ctx: RouteContext, allowed: string[], required: string[] = []): Promise<Record<string, string>> {
  query(ctx.url, [])
  requireMediaType(ctx.req, 'application/json')
  const b = await readJsonBody(ctx.req, ctx.res, ctx.maxJsonBodyBytes, ctx.signal)
  if (typeof b !== 'object' || b == null || Array.isArray(b)) throw new InvalidRequestError(`body must be a JSON object with ${allowed.join(', ')}`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(b)) {
    if (!allowed.includes(k)) throw new InvalidRequestError(`unknown field ${JSON.stringify(k)}; the fields are ${allowed.join(', ')}`)
    if (typeof v !== 'string' || v === '') throw new InvalidRequestError(`${k} must be a non-empty string`)
    out[k] = v
  }
  for (const k of required) if (out[k] == null) throw new InvalidRequestError(`body needs ${JSON.stringify(k)}`)
  return out
}

export const THREAT_ROUTES: readonly Route[] = [
  {
    method: 'GET', path: '/v1/threat/feeds', kind: 'json',
    handle: async ctx => { query(ctx.url, []); return { json: await threat(ctx).listFeeds() } }
  },
  {
    method: 'POST', path: '/v1/threat/feeds', kind: 'json', timeout: 'fetch',
    handle: async ctx => {
      const b = await body(ctx, ['source', 'kind', 'name'], ['source'])
      return { json: await threat(ctx).addFeed({ source: b.source!, ...(b.kind != null ? { kind: b.kind } : {}), ...(b.name != null ? { name: b.name } : {}), signal: ctx.signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/threat/feeds/update', kind: 'json', timeout: 'fetch',
    handle: async ctx => {
      const b = await body(ctx, ['name'])
      return { json: await threat(ctx).updateFeeds({ ...(b.name != null ? { name: b.name } : {}), signal: ctx.signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/threat/feeds/remove', kind: 'json',
    handle: async ctx => {
      const b = await body(ctx, ['name'], ['name'])
      return { json: await threat(ctx).removeFeed(b.name!) }
    }
  },
  {
    method: 'POST', path: '/v1/threat/scan', kind: 'json', timeout: 'fetch',
    handle: async ctx => {
      const b = await body(ctx, ['target', 'platform'], ['target'])
      return { json: await threat(ctx).scan(b.target!, { ...(b.platform != null ? { platform: b.platform } : {}), signal: ctx.signal }) }
    }
  },
  {
    method: 'GET', path: /^\/v1\/threat\/layers\/(sha256:[0-9a-f]{64})$/, kind: 'json', timeout: 'fetch',
    handle: async (ctx, [digest = '']) => {
      query(ctx.url, [])
      requireDigest(digest, 'layer digest')
      const scan = await threat(ctx).score(digest, ctx.signal)
      return { json: scan ?? null }
    }
  },
  {
    method: 'GET', path: '/v1/threat/quarantine', kind: 'json',
    handle: async ctx => { query(ctx.url, []); return { json: await threat(ctx).quarantine() } }
  },
  {
    method: 'POST', path: '/v1/threat/quarantine/release', kind: 'json',
    handle: async ctx => {
      const b = await body(ctx, ['digest'], ['digest'])
      requireDigest(b.digest!, 'digest')
      return { json: { released: await threat(ctx).release(b.digest!) } }
    }
  }
]
