/**
 * Registry authentication. Requests go out anonymously first; a 401's
 * challenge says what to do: `Bearer` means fetch a token from the realm
 * (with the host's Basic credentials, if it has some) for the scope asked,
 * `Basic` means send the credentials. What a repository asked for is
 * remembered, so later requests send a cached token (or credentials) at once.
 *
 * Pulls and pushes are kept apart: each (repository, access) has its own
 * remembered challenge and tokens are cached per (host, access, scope), so a
 * token obtained for a pull is never sent with a push (which would only earn
 * a 401 or 403). A push learns its own challenge, whose scope names what the
 * push needs (`repository:<name>:pull,push`); Basic credentials learnt by a
 * pull serve a push too. Concurrent fetches of the same token are shared.
 * Secrets never reach a log line or an error message.
 */
import type { Dispatcher } from 'undici'
import type { Logger } from 'pino'
import { BoundedMap } from './bounded-map.js'
import { AUTH_STATE_ENTRIES, MAX_TOKEN_RESPONSE_BYTES } from './constants.js'
import { isLoopbackHost } from './endpoint.js'
import { OriginProtocolError, OriginUnauthorizedError, OriginUnavailableError } from './errors.js'
import { discard, header, readBody, send } from './http.js'
import { parseRetryAfter } from './retry.js'
import type { Credentials, ResolvedOrigin } from './settings.js'
import { TokenCache } from './token-cache.js'
import { parseChallenges } from './www-authenticate.js'

/** What a request needs: pulls read (GET, HEAD), pushes write (POST, PUT). */
export type Access = 'pull' | 'push'

/** Who a request is for. */
export interface AuthTarget {
  /** The registry host as the caller named it (for messages). */
  host: string
  /** The host settings and credentials are kept under. */
  key: string
  /** The host the API is served from. */
  apiHost: string
  repo: string
  access: Access
  /** Part of a push, whatever access this request needs (a push's HEAD is a pull): for messages. */
  pushing?: boolean
  origin: ResolvedOrigin
  dispatcher: Dispatcher
}

type AuthState =
  | { kind: 'basic' }
  | { kind: 'bearer', realm: string, service?: string, scope: string }

const TOKEN_RE = /^[\x21-\x7e]+$/

export class Authenticator {
  private readonly states = new BoundedMap<string, AuthState>(AUTH_STATE_ENTRIES)
  private readonly tokens: TokenCache
  private readonly inflight = new Map<string, Promise<string>>()

  constructor (private readonly components: { logger: Logger }, now: () => number = Date.now) {
    this.tokens = new TokenCache(now)
  }

  /** The Authorization header to send up front, when this repository's challenge is already known. */
  async before (t: AuthTarget, signal?: AbortSignal): Promise<string | undefined> {
    let state = this.states.get(stateKey(t, t.access))
    if (state === undefined && t.access === 'push') {
      // Credentials are credentials whatever the access; a pull's token is not (its scope lacks push).
      const pull = this.states.get(stateKey(t, 'pull'))
      if (pull?.kind === 'basic') state = pull
    }
    if (state === undefined) return undefined
    if (state.kind === 'basic') return t.origin.credentials === undefined ? undefined : basic(t.origin.credentials)
    return `Bearer ${await this.token(t, state, signal)}`
  }

  /**
   * The Authorization header to retry a 401 with, given its `WWW-Authenticate`
   * and what the refused request carried (`sent`). Throws OriginUnauthorizedError
   * when there is nothing better to send.
   */
  async answer (t: AuthTarget, wwwAuthenticate: string | undefined, sent: string | undefined, what: string, signal?: AbortSignal): Promise<string> {
    const challenges = parseChallenges(wwwAuthenticate ?? '')
    const bearer = challenges.find(c => c.scheme === 'bearer')
    if (bearer !== undefined) {
      const fallback = t.access === 'push' ? `repository:${t.repo}:pull,push` : `repository:${t.repo}:pull`
      const state: AuthState = { kind: 'bearer', realm: checkRealm(t, bearer.params.realm), scope: bearer.params.scope ?? fallback }
      if (bearer.params.service !== undefined) state.service = bearer.params.service
      this.states.set(stateKey(t, t.access), state)
      if (sent?.startsWith('Bearer ') === true) this.tokens.delete(t.apiHost, t.access, state.scope, sent.slice('Bearer '.length))
      return `Bearer ${await this.token(t, state, signal)}`
    }
    if (challenges.some(c => c.scheme === 'basic')) {
      const credentials = t.origin.credentials
      if (credentials === undefined || sent?.startsWith('Basic ') === true) throw unauthorized(t, 401, what)
      this.states.set(stateKey(t, t.access), { kind: 'basic' })
      return basic(credentials)
    }
    throw unauthorized(t, 401, `${what} (its 401 carries no Bearer or Basic challenge)`)
  }

  /**
   * Drop a Bearer token the origin refused (`sent`, as it went out), so that
   * the next request for it fetches a new one. The token server may have
   * granted less than the scope asked (a pull-only token for a push), and the
   * rights may have changed since.
   */
  forget (t: AuthTarget, sent: string): void {
    const state = this.states.get(stateKey(t, t.access))
    if (state?.kind === 'bearer' && sent.startsWith('Bearer ')) this.tokens.delete(t.apiHost, t.access, state.scope, sent.slice('Bearer '.length))
  }

  clear (): void {
    this.states.clear()
    this.tokens.clear()
  }

  private async token (t: AuthTarget, state: AuthState & { kind: 'bearer' }, signal?: AbortSignal): Promise<string> {
    const cached = this.tokens.get(t.apiHost, t.access, state.scope)
    if (cached !== undefined) return cached
    const key = `${t.apiHost} ${t.access} ${state.scope}`
    let pending = this.inflight.get(key)
    if (pending === undefined) {
      // Shared by every request waiting for this token, so it runs on no one's signal (its own timeout bounds it).
      pending = this.fetchToken(t, state).finally(() => { this.inflight.delete(key) })
      pending.catch(() => {})
      this.inflight.set(key, pending)
    }
    return await raceSignal(pending, signal)
  }

  private async fetchToken (t: AuthTarget, state: AuthState & { kind: 'bearer' }): Promise<string> {
    const url = new URL(state.realm)
    if (state.service !== undefined) url.searchParams.set('service', state.service)
    for (const scope of state.scope.split(' ').filter(s => s !== '')) url.searchParams.append('scope', scope)
    const headers: Record<string, string> = { accept: 'application/json' }
    const credentials = t.origin.credentials
    if (credentials !== undefined) {
      if (url.protocol === 'http:' && t.origin.scheme === 'https' && !isLoopbackHost(url.host)) {
        throw new OriginProtocolError(`origin ${t.host}: refusing to send its credentials to the token realm ${url.origin} over plain http`, t.host)
      }
      headers.authorization = basic(credentials)
    }
    const init = { host: t.host, timeoutMs: t.origin.timeoutMs }
    const res = await send({ ...init, dispatcher: t.dispatcher, method: 'GET', url, headers })
    const status = res.statusCode
    if (status === 401 || status === 403) {
      discard(res.body)
      throw unauthorized(t, status, `a token for ${state.scope} (token endpoint ${url.host})`)
    }
    if (status === 429 || status === 408 || status >= 500) {
      discard(res.body)
      const retryAfterMs = parseRetryAfter(header(res, 'retry-after', t.host))
      throw new OriginUnavailableError(`origin ${t.host}: its token endpoint ${url.host} answered ${status}`, t.host, retryAfterMs === undefined ? {} : { retryAfterMs })
    }
    if (status !== 200) {
      discard(res.body)
      throw new OriginProtocolError(`origin ${t.host}: its token endpoint ${url.host} answered ${status}`, t.host)
    }
    const bytes = await readBody(res, MAX_TOKEN_RESPONSE_BYTES, 'the token response', init)
    let body: { token?: unknown, access_token?: unknown, expires_in?: unknown }
    try {
      body = JSON.parse(new TextDecoder().decode(bytes)) as typeof body
    } catch {
      throw new OriginProtocolError(`origin ${t.host}: its token endpoint ${url.host} did not answer JSON`, t.host)
    }
    const token = typeof body?.token === 'string' && body.token !== '' ? body.token : body?.access_token
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) {
      throw new OriginProtocolError(`origin ${t.host}: the answer of its token endpoint ${url.host} has no usable "token" or "access_token"`, t.host)
    }
    this.tokens.set(t.apiHost, t.access, state.scope, token, body.expires_in)
    this.components.logger.debug({ host: t.host, access: t.access, scope: state.scope, expiresInS: body.expires_in, withCredentials: credentials !== undefined }, 'origin token obtained')
    return token
  }
}

/**
 * The error for a refused request: names the host and whether credentials
 * were configured for it (and, for a push, that they may lack push rights).
 */
export function unauthorized (t: Pick<AuthTarget, 'host' | 'key' | 'origin' | 'repo' | 'access' | 'pushing'>, status: number, what: string): OriginUnauthorizedError {
  const configured = t.origin.credentials !== undefined
  const fix = `set origins[${JSON.stringify(t.key)}].username and .password, or auths`
  const how = t.access === 'push' || t.pushing === true
    ? (configured
        ? `with the credentials configured for it: they may be wrong, or lack push rights to ${t.repo}`
        : `anonymously: no credentials are configured for ${t.key}, and pushing to ${t.repo} needs credentials with push rights (${fix})`)
    : (configured
        ? 'with the credentials configured for it'
        : `anonymously: no credentials are configured for ${t.key} (${fix})`)
  return new OriginUnauthorizedError(`origin ${t.host} refused ${what} (${status}) ${how}`, t.host, configured, status)
}

function basic (c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
}

function stateKey (t: AuthTarget, access: Access): string {
  return `${t.apiHost}/${t.repo} ${access}`
}

function checkRealm (t: AuthTarget, realm: string | undefined): string {
  let url: URL | undefined
  try {
    url = realm === undefined ? undefined : new URL(realm)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new OriginProtocolError(`origin ${t.host}: its Bearer challenge has no usable realm (${JSON.stringify((realm ?? '').slice(0, 200))})`, t.host)
  }
  return url.href
}

async function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return await promise
  signal.throwIfAborted()
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      value => { signal.removeEventListener('abort', onAbort); resolve(value) },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) }
    )
  })
}
