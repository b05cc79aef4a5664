/**
 * Bearer tokens, one per (API host, access, scope), kept until a margin
 * before they expire and bounded in number.
 */
import type { Access } from './auth.js'
import { BoundedMap } from './bounded-map.js'
import { TOKEN_CACHE_ENTRIES, TOKEN_DEFAULT_TTL_MS, TOKEN_EXPIRY_MARGIN_MS, TOKEN_MAX_TTL_MS } from './constants.js'

export class TokenCache {
  private readonly tokens: BoundedMap<string, { token: string, expiresAtMs: number }>

  constructor (private readonly now: () => number = Date.now, maxEntries = TOKEN_CACHE_ENTRIES) {
    this.tokens = new BoundedMap(maxEntries)
  }

  get (host: string, access: Access, scope: string): string | undefined {
    const key = cacheKey(host, access, scope)
    const entry = this.tokens.get(key)
    if (entry === undefined) return undefined
    if (this.now() >= entry.expiresAtMs) {
      this.tokens.delete(key)
      return undefined
    }
    return entry.token
  }

  /** `expiresInS` as the token endpoint sent it (seconds; missing or nonsense means the 60 s default). */
  set (host: string, access: Access, scope: string, token: string, expiresInS?: unknown): void {
    this.tokens.set(cacheKey(host, access, scope), { token, expiresAtMs: this.now() + usableMs(expiresInS) })
  }

  /** Drop the token, if it is still the one cached (another request may have renewed it already). */
  delete (host: string, access: Access, scope: string, token?: string): void {
    const key = cacheKey(host, access, scope)
    if (token === undefined || this.tokens.get(key)?.token === token) this.tokens.delete(key)
  }

  clear (): void {
    this.tokens.clear()
  }
}

/** How long a token is used: its life less a margin (at most half its life), capped. */
export function usableMs (expiresInS: unknown): number {
  const lifeMs = typeof expiresInS === 'number' && Number.isFinite(expiresInS) && expiresInS > 0
    ? Math.min(expiresInS * 1000, TOKEN_MAX_TTL_MS)
    : TOKEN_DEFAULT_TTL_MS
  return lifeMs - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifeMs / 2)
}

/** Access is part of the key even where the scopes agree: a token fetched for a pull is never sent with a push. */
function cacheKey (host: string, access: Access, scope: string): string {
  return `${host} ${access} ${scope}`
}
