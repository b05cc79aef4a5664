/**
 * One request to a registry, as the API needs it: sent with whatever
 * authorization the repository is known to want, retried once with the
 * answer to a 401's challenge, and redirects followed (to a storage backend,
 * usually), without the Authorization header once they leave the registry's
 * origin. A push refused with 403 while it carried a Bearer token drops the
 * token and asks again once, anonymously, for a challenge of its own. A URL
 * on another origin than the registry's (an upload `Location`, a `Link`)
 * gets no credentials at all. `fail` and `failWrite` turn an answer that is
 * not a success into the error it means. Retrying is the caller's business.
 */
import { MAX_ERROR_BODY_BYTES, MAX_REDIRECTS } from './constants.js'
import { OriginNotFoundError, OriginProtocolError, OriginRejectedError, OriginUnavailableError } from './errors.js'
import { discard, header, readBody, send, type Method, type Response } from './http.js'
import { parseRetryAfter } from './retry.js'
import { unauthorized, type AuthTarget, type Authenticator } from './auth.js'

export interface Target extends AuthTarget {
  /** The registry URL of the request. */
  url: URL
  /** What is asked for, for messages: "manifest library/alpine:3.20", "blob library/alpine@sha256:...". */
  what: string
}

export interface ExchangeInit {
  method: Method
  headers: Record<string, string>
  /** The body of a POST or PUT (sent again after a 401, so held in memory). */
  body?: Uint8Array
  signal?: AbortSignal
  /** A HEAD redirected to another origin becomes a GET of `bytes=0-0` (presigned storage URLs are signed for GET only). */
  headAsRangeGet?: boolean
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** A POST or PUT follows only the redirects that keep its method and body. */
const WRITE_REDIRECTS = new Set([307, 308])

export async function exchange (auth: Authenticator, t: Target, init: ExchangeInit): Promise<Response> {
  const atRegistry = t.url.origin === registryOrigin(t)
  let sent = atRegistry ? await auth.before(t, init.signal) : undefined
  let res = await follow(t, init, sent)
  if (res.statusCode === 403 && t.access === 'push' && sent?.startsWith('Bearer ') === true && res.url.origin === t.url.origin) {
    // Some registries refuse a token without push rights with a 403, not a 401 challenge: ask for one.
    discard(res.body)
    auth.forget(t, sent)
    sent = undefined
    res = await follow(t, init, undefined)
  }
  if (res.statusCode === 401 && atRegistry && res.url.origin === t.url.origin) {
    const challenge = header(res, 'www-authenticate', t.host)
    discard(res.body)
    const authorization = await auth.answer(t, challenge, sent, t.what, init.signal)
    res = await follow(t, init, authorization)
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    discard(res.body)
    const where = res.url.origin === t.url.origin ? '' : ` (at ${res.url.host})`
    throw unauthorized(t, res.statusCode, `${t.what}${where}`)
  }
  return res
}

async function follow (t: Target, init: ExchangeInit, authorization: string | undefined): Promise<Response> {
  let url = t.url
  let method = init.method
  let headers = init.headers
  for (let hop = 0; ; hop++) {
    const res = await send({
      dispatcher: t.dispatcher,
      method,
      url,
      headers: authorization === undefined ? headers : { ...headers, authorization },
      ...(init.body !== undefined ? { body: init.body } : {}),
      timeoutMs: t.origin.timeoutMs,
      host: t.host,
      ...(init.signal !== undefined ? { signal: init.signal } : {})
    })
    if (!REDIRECTS.has(res.statusCode) || (isWrite(method) && !WRITE_REDIRECTS.has(res.statusCode))) return res
    const location = header(res, 'location', t.host)
    discard(res.body)
    if (location === undefined) throw new OriginProtocolError(`origin ${t.host}: a ${res.statusCode} redirect for ${t.what} without a Location`, t.host)
    if (hop >= MAX_REDIRECTS) throw new OriginProtocolError(`origin ${t.host}: more than ${MAX_REDIRECTS} redirects for ${t.what}`, t.host)
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw new OriginProtocolError(`origin ${t.host}: a redirect for ${t.what} to an invalid URL`, t.host)
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new OriginProtocolError(`origin ${t.host}: a redirect for ${t.what} to a ${next.protocol} URL`, t.host)
    // Credentials are for the registry: a storage backend on another origin gets none (its URL carries its own signature).
    if (next.origin !== url.origin) authorization = undefined
    if (method === 'HEAD' && init.headAsRangeGet === true && next.origin !== t.url.origin) {
      method = 'GET'
      headers = { ...headers, range: 'bytes=0-0' }
    }
    url = next
  }
}

/** Throw what a non-success answer means: 404 OriginNotFoundError, 408/429/5xx OriginUnavailableError, else OriginProtocolError. */
export async function fail (res: Response, t: Target, signal?: AbortSignal): Promise<never> {
  const status = res.statusCode
  if (status === 404) {
    const { code, message } = await errorBody(res, t, signal)
    const detail = code === undefined ? '' : ` (${code}${message === undefined ? '' : `: ${JSON.stringify(message.slice(0, 200))}`})`
    throw new OriginNotFoundError(`origin ${t.host}: ${t.what} not found${detail}`, t.host, code)
  }
  discard(res.body)
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after', t.host))
    throw new OriginUnavailableError(`origin ${t.host} answered ${status} for ${t.what}`, t.host, retryAfterMs === undefined ? {} : { retryAfterMs })
  }
  throw new OriginProtocolError(`origin ${t.host} answered ${status} for ${t.what}`, t.host)
}

/**
 * Throw what a non-success answer to a push means: a 4xx (but 408 and 429)
 * OriginRejectedError with the body's OCI error code, 408/429/5xx
 * OriginUnavailableError, anything else OriginProtocolError.
 */
export async function failWrite (res: Response, t: Target, signal?: AbortSignal): Promise<never> {
  const status = res.statusCode
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    const { code, message, detail: more } = await errorBody(res, t, signal)
    const said = [message, more].filter(s => s !== undefined).map(s => JSON.stringify(s.slice(0, 200))).join(', ')
    const detail = code === undefined ? '' : ` ${code}${said === '' ? '' : `: ${said}`}`
    throw new OriginRejectedError(`origin ${t.host} refused ${t.what} (${status}${detail})`, t.host, status, code)
  }
  return await fail(res, t, signal)
}

/** `scheme://apiHost` of the registry a target is for (its requests may go elsewhere: an upload Location, a redirect). */
export function registryOrigin (t: Target): string {
  return new URL(`${t.origin.scheme}://${t.apiHost}`).origin
}

function isWrite (method: Method): boolean {
  return method === 'POST' || method === 'PUT'
}

/** The first OCI error of a body (`{"errors":[{"code","message","detail"}]}`, a `detail` only when it is a string), if it has one. */
export async function errorBody (res: Response, t: Target, signal?: AbortSignal): Promise<{ code?: string, message?: string, detail?: string }> {
  if (res.url.origin !== t.url.origin) {
    discard(res.body)
    return {}
  }
  try {
    const bytes = await readBody(res, MAX_ERROR_BODY_BYTES, 'the error body', { host: t.host, timeoutMs: t.origin.timeoutMs, ...(signal !== undefined ? { signal } : {}) })
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { errors?: Array<{ code?: unknown, message?: unknown, detail?: unknown }> }
    const first = Array.isArray(parsed?.errors) ? parsed.errors[0] : undefined
    const out: { code?: string, message?: string, detail?: string } = {}
    if (typeof first?.code === 'string' && /^[A-Z_]{1,64}$/.test(first.code)) out.code = first.code
    if (typeof first?.message === 'string') out.message = first.message
    if (typeof first?.detail === 'string') out.detail = first.detail
    return out
  } catch (err) {
    if (signal?.aborted === true) throw err
    return {}
  }
}
