/**
 * How an event is stored: the key is the request's start time as 12 hex
 * digits, `-`, and a 13-hex-digit sequence number, so keys sort by time and
 * events of the same millisecond keep the order they were recorded in; the
 * value is the event as JSON. Both are checked on the way in and on the way
 * out: a record that fails is reported as corrupt, never returned. Event
 * keys start with a hex digit, so they all sort before EVENT_KEYS_END; the
 * roll-ups share the database under keys after it (see `rollup-record.ts`).
 */
import { USAGE_MAX_STRING_CHARS, USAGE_MAX_TIME_MS } from './constants.js'
import type { UsageEvent } from './index.js'

const TIME_DIGITS = 12
const SEQ_DIGITS = 13
const KEY_RE = /^([0-9a-f]{12})-([0-9a-f]{13})$/
/** Every event key sorts before this: a read of events is bounded by it, so it never reaches the roll-ups. */
export const EVENT_KEYS_END = 'g'
/** Largest sequence number that fits the key. */
export const MAX_SEQ = 16 ** SEQ_DIGITS - 1

export function usageKey (timeMs: number, seq: number): string {
  return `${timeMs.toString(16).padStart(TIME_DIGITS, '0')}-${seq.toString(16).padStart(SEQ_DIGITS, '0')}`
}

/** The first key at or after `timeMs` (which is clamped to the key's range). */
export function timeKey (timeMs: number): string {
  return usageKey(Math.min(USAGE_MAX_TIME_MS, Math.max(0, Math.ceil(timeMs))), 0)
}

export function parseUsageKey (key: string): { timeMs: number, seq: number } | undefined {
  const m = KEY_RE.exec(key)
  if (m == null) return undefined
  return { timeMs: parseInt(m[1] ?? '', 16), seq: parseInt(m[2] ?? '', 16) }
}

export function encodeEvent (event: UsageEvent): string {
  return JSON.stringify(event)
}

/** The event stored under `key`, or undefined when the value is not a valid event of that time. */
export function decodeEvent (key: string, value: string): UsageEvent | undefined {
  const k = parseUsageKey(key)
  if (k == null) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  const event = checkEvent(parsed)
  return event != null && event.timeMs === k.timeMs ? event : undefined
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
const isText = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= USAGE_MAX_STRING_CHARS

/**
 * A copy of `value` with exactly the fields of a UsageEvent, or undefined
 * when a field is missing or out of range. `why` gets the first problem.
 */
export function checkEvent (value: unknown, why?: (problem: string) => void): UsageEvent | undefined {
  const fail = (problem: string): undefined => { why?.(problem); return undefined }
  if (typeof value !== 'object' || value == null || Array.isArray(value)) return fail('not an object')
  const v = value as Record<string, unknown>
  if (!isCount(v.timeMs) || v.timeMs > USAGE_MAX_TIME_MS) return fail('timeMs must be an integer number of ms since the epoch')
  for (const field of ['origin', 'repository', 'reference', 'digest', 'client'] as const) {
    if (!isText(v[field])) return fail(`${field} must be a non-empty string of at most ${USAGE_MAX_STRING_CHARS} characters`)
  }
  if (v.kind !== 'manifest' && v.kind !== 'blob') return fail('kind must be "manifest" or "blob"')
  if (!isCount(v.bytes)) return fail('bytes must be a non-negative integer')
  const s = v.bytesBySource as Record<string, unknown> | null | undefined
  if (typeof s !== 'object' || s == null || !isCount(s.local) || !isCount(s.peer) || !isCount(s.origin)) {
    return fail('bytesBySource must be {local, peer, origin}, each a non-negative integer')
  }
  if (typeof v.durationMs !== 'number' || !Number.isFinite(v.durationMs) || v.durationMs < 0) return fail('durationMs must be a non-negative number')
  if (typeof v.status !== 'number' || !Number.isInteger(v.status) || v.status < 100 || v.status > 599) return fail('status must be an HTTP status (100-599)')
  if (v.region !== undefined && !isText(v.region)) return fail(`region, when given, must be a non-empty string of at most ${USAGE_MAX_STRING_CHARS} characters`)
  return {
    timeMs: v.timeMs,
    origin: v.origin as string,
    repository: v.repository as string,
    reference: v.reference as string,
    digest: v.digest as string,
    kind: v.kind,
    bytes: v.bytes,
    bytesBySource: { local: s.local, peer: s.peer, origin: s.origin },
    durationMs: v.durationMs,
    client: v.client as string,
    status: v.status,
    ...(v.region !== undefined ? { region: v.region as string } : {})
  }
}
