/**
 * The admin API's replica-quorum routes, over `DaemonApi.quorum`:
 * `GET /v1/quorum/status`, `GET /v1/quorum/targets?layer=&region=`,
 * `POST /v1/quorum/set` (`{digest, region, replicas, reason?, requestId?}`),
 * `POST /v1/quorum/clear` (`{digest, region, requestId?}`) and
 * `POST /v1/quorum/batch` (`{writes, requestId?}`). Quorum errors are given
 * their statuses here (QUORUM_ERROR_STATUS): a quorum that cannot answer is a
 * 503 whose message says what is missing, a bad command a 400.
 */
import type { DaemonQuorumApi } from '../daemon/api.js'
import { MAX_BATCH_WRITES, MAX_REPLICAS, REASON_MAX_CHARS, REGION_MAX_CHARS, REQUEST_ID_MAX_CHARS } from '../quorum/targets/constants.js'
import { errorName } from './error-status.js'
import { InvalidRequestError } from './errors.js'
import { errorBody, readJsonBody, requireMediaType } from './http.js'
import { query, requireDigest } from './params.js'
import type { Reply, Route, RouteContext } from './routes.js'

/** This daemon runs no quorum: no seeds named by peer id in its peers file, or `--quorum off`. */
export class QuorumDisabledError extends Error {
  override name = 'QuorumDisabledError' as const
}

/** The reason a write gets when the operator gives none. */
export const DEFAULT_SET_REASON = 'operator override'

/** Statuses of the quorum's errors, matched by name like `errorStatus` does. */
export const QUORUM_ERROR_STATUS: Readonly<Record<string, number>> = {
  QuorumDisabledError: 404,
  // No leader, no majority, no commit in time: what is missing is in the message.
  QuorumUnavailableError: 503,
  QuorumBusyError: 503,
  QuorumStoppedError: 503,
  NotLeaderError: 503,
  RaftBusyError: 503,
  // A seed answered with something this daemon cannot use.
  QuorumProtocolError: 502,
  QuorumRemoteError: 502,
  InvalidTargetCommandError: 400,
  EntryTooLargeError: 400,
  // Every target at once is more than one answer holds: the message says to filter.
  QuorumAnswerTooLargeError: 400,
  // Committed, and refused by the state machine (MAX_TARGETS): retrying will not help.
  QuorumWriteRejectedError: 409
}

const REGION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

function quorum (ctx: RouteContext): DaemonQuorumApi {
  if (ctx.api.quorum == null) throw new QuorumDisabledError('this daemon runs no replica quorum: its peers file (--peers) names no seeds by peer id (/p2p/<id>), or it runs with --quorum off')
  return ctx.api.quorum
}

/** The JSON object body, refusing fields the route does not take. */
async function body (ctx: RouteContext, allowed: string[]): Promise<Record<string, unknown>> {
  query(ctx.url, [])
  requireMediaType(ctx.req, 'application/json')
  const b = await readJsonBody(ctx.req, ctx.res, ctx.maxJsonBodyBytes, ctx.signal)
  if (typeof b !== 'object' || b == null || Array.isArray(b)) throw new InvalidRequestError(`body must be a JSON object with ${allowed.join(', ')}`)
  for (const k of Object.keys(b)) {
    if (!allowed.includes(k)) throw new InvalidRequestError(`unknown field ${JSON.stringify(k)}; the fields are ${allowed.join(', ')}`)
  }
  return b as Record<string, unknown>
}

function digestField (v: unknown, what: string): string {
  if (typeof v !== 'string') throw new InvalidRequestError(`${what} must be a string: sha256:<64 hex>`)
  requireDigest(v, what)
  return v
}

export function requireRegion (v: unknown, what = 'region'): string {
  if (typeof v !== 'string' || v.length > REGION_MAX_CHARS || !REGION_RE.test(v)) {
    throw new InvalidRequestError(`${what} must be 1 to ${REGION_MAX_CHARS} of A-Z a-z 0-9 . _ - (starting with a letter or digit), got ${JSON.stringify(typeof v === 'string' ? v.slice(0, 80) : v)}`)
  }
  return v
}

function replicasField (v: unknown, what = 'replicas'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_REPLICAS) {
    throw new InvalidRequestError(`${what} must be an integer from 0 to ${MAX_REPLICAS}, got ${JSON.stringify(v)}`)
  }
  return v
}

function reasonField (v: unknown, what = 'reason'): string {
  if (v == null) return DEFAULT_SET_REASON
  if (typeof v !== 'string' || v.length > REASON_MAX_CHARS) throw new InvalidRequestError(`${what} must be a string of at most ${REASON_MAX_CHARS} characters`)
  return v
}

function requestIdField (v: unknown): { requestId?: string } {
  if (v == null) return {}
  if (typeof v !== 'string' || v.length === 0 || v.length > REQUEST_ID_MAX_CHARS) throw new InvalidRequestError(`requestId must be a string of 1 to ${REQUEST_ID_MAX_CHARS} characters`)
  return { requestId: v }
}

type BatchWrite = Parameters<DaemonQuorumApi['batch']>[0]['writes'][number]

function batchWrites (v: unknown): BatchWrite[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_BATCH_WRITES) throw new InvalidRequestError(`writes must be a list of 1 to ${MAX_BATCH_WRITES} writes`)
  return v.map((raw: unknown, i): BatchWrite => {
    const w = raw as Record<string, unknown> | null
    if (typeof w !== 'object' || w == null || Array.isArray(w)) throw new InvalidRequestError(`writes[${i}] must be an object`)
    const allowed = w.op === 'set' ? ['op', 'digest', 'region', 'replicas', 'reason'] : ['op', 'digest', 'region']
    for (const k of Object.keys(w)) if (!allowed.includes(k)) throw new InvalidRequestError(`writes[${i}]: unknown field ${JSON.stringify(k)}; the fields are ${allowed.join(', ')}`)
    const digest = digestField(w.digest, `writes[${i}].digest`)
    const region = requireRegion(w.region, `writes[${i}].region`)
    if (w.op === 'set') return { op: 'set', digest, region, replicas: replicasField(w.replicas, `writes[${i}].replicas`), reason: reasonField(w.reason, `writes[${i}].reason`) }
    if (w.op === 'clear') return { op: 'clear', digest, region }
    throw new InvalidRequestError(`writes[${i}].op must be "set" or "clear"`)
  })
}

/** Answer the quorum's own errors with their status; anything else goes on to `errorStatus`. */
function mapped (handle: Route['handle']): Route['handle'] {
  return async (ctx, params) => {
    try {
      return await handle(ctx, params)
    } catch (err) {
      const status = QUORUM_ERROR_STATUS[errorName(err)]
      if (status == null) throw err
      const reply: Reply = { status, json: errorBody(err), ...(status === 503 ? { headers: { 'retry-after': '1' } } : {}) }
      return reply
    }
  }
}

export const QUORUM_ROUTES: readonly Route[] = ([
  {
    method: 'GET', path: '/v1/quorum/status', kind: 'json',
    handle: async ctx => { query(ctx.url, []); return { json: await quorum(ctx).status() } }
  },
  {
    method: 'GET', path: '/v1/quorum/targets', kind: 'json',
    handle: async ctx => {
      const q = query(ctx.url, ['layer', 'region'])
      const layer = q.get('layer')
      const region = q.get('region')
      if (layer != null) requireDigest(layer, 'layer')
      if (region != null) requireRegion(region)
      return { json: await quorum(ctx).targetsOrHeard({ ...(layer != null ? { layer } : {}), ...(region != null ? { region } : {}), signal: ctx.signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/quorum/set', kind: 'json',
    handle: async ctx => {
      const b = await body(ctx, ['digest', 'region', 'replicas', 'reason', 'requestId'])
      const input = {
        digest: digestField(b.digest, 'digest'),
        region: requireRegion(b.region),
        replicas: replicasField(b.replicas),
        reason: reasonField(b.reason),
        ...requestIdField(b.requestId)
      }
      return { json: await quorum(ctx).set({ ...input, signal: ctx.signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/quorum/clear', kind: 'json',
    handle: async ctx => {
      const b = await body(ctx, ['digest', 'region', 'requestId'])
      const input = { digest: digestField(b.digest, 'digest'), region: requireRegion(b.region), ...requestIdField(b.requestId) }
      return { json: await quorum(ctx).clear({ ...input, signal: ctx.signal }) }
    }
  },
  {
    method: 'POST', path: '/v1/quorum/batch', kind: 'json',
    handle: async ctx => {
      const b = await body(ctx, ['writes', 'requestId'])
      return { json: await quorum(ctx).batch({ writes: batchWrites(b.writes), ...requestIdField(b.requestId), signal: ctx.signal }) }
    }
  }
] satisfies Route[]).map(r => ({ ...r, handle: mapped(r.handle) }))
