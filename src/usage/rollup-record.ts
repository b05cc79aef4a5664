/**
 * How roll-ups are stored, beside the events, in the same database:
 *
 *   0000018f3a2b-0000000000007                             an event (see `record.ts`)
 *   rollup/hour/0000018f3a00/blob/sha256:9a3f.../eu-west     one hour of one kind, digest and region
 *   rollup/minute/0000018f3a2b/manifest/sha256:77e1.../-     the same for one minute
 *   rollup/state                                           what the roll-ups count (RollupState)
 *
 * Event keys start with a hex digit, so every one sorts before every roll-up
 * key (which start with "r"). After the width comes the bucket's start time
 * as 12 hex digits of ms, as in event keys: the buckets of a time window are
 * one key range, read by one iterator in time order. Kind, digest and region
 * follow; digest and region are escaped ("%" as %25, "/" as %2F) so any
 * string stays one field. An event without a region counts under
 * USAGE_NO_REGION ("-"), so a region really named "-" shares its roll-ups.
 *
 * The kind is part of the key, not a filter at write time: a manifest and a
 * blob never share a digest in practice, so keeping manifests costs few keys,
 * and it lets the totals tell manifest traffic from layer traffic.
 *
 * The value is `[requests, bytes, local, peer, origin]` as JSON: each a
 * non-negative integer, requests at least 1 (a bucket that drops to 0 is
 * deleted). A key or value that fails these checks is corrupt.
 */
import { USAGE_HOUR_BUCKET_MS, USAGE_MAX_TIME_MS, USAGE_MINUTE_BUCKET_MS } from './constants.js'

export type RollupBucket = 'minute' | 'hour'
export type UsageKind = 'manifest' | 'blob'

export interface RollupCounts {
  requests: number
  bytes: number
  bytesBySource: { local: number, peer: number, origin: number }
}

export interface RollupId {
  bucket: RollupBucket
  bucketStartMs: number
  kind: UsageKind
  digest: string
  region: string
}

export const ROLLUP_KEYS_START = 'rollup/'
/** The first key after every roll-up key ("0" follows "/"). */
export const ROLLUP_KEYS_END = 'rollup0'
export const ROLLUP_STATE_KEY = 'rollup/state'
/** Stored in the state; a store of another version has its roll-ups rebuilt. */
export const ROLLUP_VERSION = 1

const TIME_DIGITS = 12
const KEY_RE = /^rollup\/(minute|hour)\/([0-9a-f]{12})\/(manifest|blob)\/([^/]+)\/([^/]+)$/

export function bucketWidthMs (bucket: RollupBucket): number {
  return bucket === 'minute' ? USAGE_MINUTE_BUCKET_MS : USAGE_HOUR_BUCKET_MS
}

/** Start of the bucket holding `timeMs` (which is clamped to the keys' range). */
export function bucketStartMs (bucket: RollupBucket, timeMs: number): number {
  const t = Math.min(USAGE_MAX_TIME_MS, Math.max(0, Math.floor(timeMs)))
  return t - (t % bucketWidthMs(bucket))
}

/** The first key of the buckets starting at or after `startMs`: `[rollupTimeKey(b, from), rollupTimeKey(b, to))` is a window of buckets. */
export function rollupTimeKey (bucket: RollupBucket, startMs: number): string {
  const t = Math.min(USAGE_MAX_TIME_MS, Math.max(0, Math.ceil(startMs)))
  return `${ROLLUP_KEYS_START}${bucket}/${t.toString(16).padStart(TIME_DIGITS, '0')}`
}

/** Every key of one width: `{ gte, lt }`. */
export function rollupWidthRange (bucket: RollupBucket): { gte: string, lt: string } {
  return { gte: `${ROLLUP_KEYS_START}${bucket}/`, lt: `${ROLLUP_KEYS_START}${bucket}0` }
}

export function rollupKey (id: RollupId): string {
  return `${rollupTimeKey(id.bucket, id.bucketStartMs)}/${id.kind}/${escape(id.digest)}/${escape(id.region)}`
}

export function parseRollupKey (key: string): RollupId | undefined {
  const m = KEY_RE.exec(key)
  if (m == null) return undefined
  const digest = unescape(m[4] ?? '')
  const region = unescape(m[5] ?? '')
  const bucket = m[1] as RollupBucket
  const bucketStartMs = parseInt(m[2] ?? '', 16)
  if (digest == null || region == null || bucketStartMs % bucketWidthMs(bucket) !== 0) return undefined
  return { bucket, bucketStartMs, kind: m[3] as UsageKind, digest, region }
}

export function encodeCounts (c: RollupCounts): string {
  return JSON.stringify([c.requests, c.bytes, c.bytesBySource.local, c.bytesBySource.peer, c.bytesBySource.origin])
}

export function decodeCounts (value: string): RollupCounts | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed) || parsed.length !== 5 || !parsed.every(isCount)) return undefined
  const [requests, bytes, local, peer, origin] = parsed as number[]
  if (requests == null || requests < 1) return undefined
  return { requests, bytes: bytes ?? 0, bytesBySource: { local: local ?? 0, peer: peer ?? 0, origin: origin ?? 0 } }
}

/**
 * What the roll-ups count, written in every batch that changes events: the
 * number of event keys stored and the highest sequence number written. At
 * start, a state that is missing, of another version, marked damaged, or
 * that disagrees with the stored events (a program without roll-ups wrote or
 * deleted events) makes the roll-ups be rebuilt.
 */
export interface RollupState {
  version: number
  events: number
  maxSeq: number
  damaged: boolean
}

export function encodeState (s: RollupState): string {
  return JSON.stringify(s)
}

export function decodeState (value: string | undefined): RollupState | undefined {
  if (value == null) return undefined
  try {
    const v = JSON.parse(value) as Partial<RollupState> | null
    if (v == null || typeof v !== 'object' || !isCount(v.version) || !isCount(v.events) || !isCount(v.maxSeq) || typeof v.damaged !== 'boolean') return undefined
    return { version: v.version, events: v.events, maxSeq: v.maxSeq, damaged: v.damaged }
  } catch {
    return undefined
  }
}

function isCount (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

function escape (s: string): string {
  return s.replaceAll('%', '%25').replaceAll('/', '%2F')
}

/** The string `escape` was given, or undefined for text `escape` cannot have produced. */
function unescape (s: string): string | undefined {
  if (/%(?!25|2F)/.test(s)) return undefined
  return s.replace(/%(25|2F)/g, m => m === '%25' ? '%' : '/')
}
