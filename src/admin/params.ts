/** Parsing of the admin API's query parameters and path values: strict, so a typo fails rather than being ignored. */
import { InvalidDigestError, isDigest } from '../shard/cid.js'
import { InvalidRequestError } from './errors.js'

/** The query, refusing parameters the route does not take and repeated ones (typos should fail, not be ignored). */
export function query (url: URL, allowed: string[]): URLSearchParams {
  const seen = new Set<string>()
  for (const key of url.searchParams.keys()) {
    if (!allowed.includes(key)) {
      throw new InvalidRequestError(`unknown query parameter ${JSON.stringify(key)}${allowed.length > 0 ? `; this route takes ${allowed.join(', ')}` : ''}`)
    }
    if (seen.has(key)) throw new InvalidRequestError(`query parameter ${key} given twice`)
    seen.add(key)
  }
  return url.searchParams
}

export function flag (value: string | null, name: string): boolean {
  if (value == null || value === '0' || value === 'false') return false
  if (value === '' || value === '1' || value === 'true') return true
  throw new InvalidRequestError(`${name} must be 1, true, 0 or false, got ${JSON.stringify(value.slice(0, 20))}`)
}

/** An optional integer parameter within bounds: digits only, so "1e3", "0x10" and "" are refused rather than guessed at. */
export function integer (value: string | null, name: string, min: number, max: number, what: string): number | undefined {
  if (value == null) return undefined
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN
  if (!(n >= min && n <= max)) {
    throw new InvalidRequestError(`${name} must be ${what}, an integer from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 20))}`)
  }
  return n
}

export function requireDigest (value: string, what: string): void {
  if (!isDigest(value)) throw new InvalidDigestError(`${what} must be a sha256 digest (sha256:<64 hex>), got ${JSON.stringify(value.slice(0, 100))}`)
}
