/**
 * Retries for failures a retry can mend (`OriginUnavailableError` with
 * `transient`): exponential backoff with jitter, or the origin's
 * `Retry-After` when it is within the cap. Waiting stops when the signal
 * aborts.
 */
import { RETRY_BASE_MS, RETRY_CAP_MS } from './constants.js'
import { OriginUnavailableError } from './errors.js'

/** The wait before retry number `retry` (0 for the first): between half and all of min(cap, base * 2^retry). */
export function backoffMs (retry: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** retry)
  return ceilingMs / 2 + random() * ceilingMs / 2
}

/** `Retry-After`: delay-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter (value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export interface RetryOptions {
  retries: number
  signal?: AbortSignal
  random?: () => number
  /** Called before each wait (for a log line). */
  onRetry?: (err: OriginUnavailableError, retry: number, delayMs: number) => void
}

export async function withRetries<T> (fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (!(err instanceof OriginUnavailableError) || options.signal?.aborted === true) throw err
      if (!err.transient) throw err
      const tries = `${attempt + 1} attempt${attempt === 0 ? '' : 's'}`
      if (err.retryAfterMs !== undefined && err.retryAfterMs > RETRY_CAP_MS) {
        throw new OriginUnavailableError(`${err.message}; it asks to retry after ${Math.ceil(err.retryAfterMs / 1000)} s (gave up after ${tries})`, err.host, { cause: err, retryAfterMs: err.retryAfterMs })
      }
      if (attempt >= options.retries) {
        throw attempt === 0 ? err : new OriginUnavailableError(`${err.message} (gave up after ${tries})`, err.host, { cause: err })
      }
      const delayMs = err.retryAfterMs ?? backoffMs(attempt, options.random)
      options.onRetry?.(err, attempt, delayMs)
      await sleep(delayMs, options.signal)
    }
  }
}
