/** Reads of the roll-ups: the checks of a query, a window of buckets in time order, and the top layers. */
import { USAGE_TOP_MAX_LAYERS, USAGE_TOP_MAX_N } from './constants.js'
import { InvalidUsageQueryError, UsageQueryLimitError } from './errors.js'
import { bucketStartMs, bucketWidthMs, decodeCounts, parseRollupKey, rollupTimeKey, type RollupBucket } from './rollup-record.js'
import type { RollupOptions, TopLayer, TopLayersOptions, UsageRollup } from './index.js'
import type { UsageStorage } from './storage.js'

export function checkTime (value: unknown, name: string): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidUsageQueryError(`${name} must be a time in ms since the epoch (a non-negative number), got ${String(value)}`)
  }
}

function checkText (value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new InvalidUsageQueryError(`${name}, when given, must be a non-empty string, got ${String(value)}`)
  }
}

export function checkRollupOptions (o: RollupOptions): void {
  if (typeof o !== 'object' || o == null) throw new InvalidUsageQueryError('rollup options must be an object')
  if (o.bucket !== 'minute' && o.bucket !== 'hour') throw new InvalidUsageQueryError(`bucket must be "minute" or "hour", got ${String(o.bucket)}`)
  checkTime(o.fromMs, 'fromMs')
  checkTime(o.toMs, 'toMs')
  if (o.fromMs > o.toMs) throw new InvalidUsageQueryError(`fromMs (${o.fromMs}) is after toMs (${o.toMs})`)
  checkText(o.digest, 'digest')
  checkText(o.region, 'region')
  if (o.kind !== undefined && o.kind !== 'manifest' && o.kind !== 'blob') throw new InvalidUsageQueryError(`kind, when given, must be "manifest" or "blob", got ${String(o.kind)}`)
}

export function checkTopLayersOptions (o: TopLayersOptions): void {
  if (typeof o !== 'object' || o == null) throw new InvalidUsageQueryError('topLayers options must be an object')
  checkTime(o.sinceMs, 'sinceMs')
  if (!Number.isSafeInteger(o.n) || o.n < 1 || o.n > USAGE_TOP_MAX_N) throw new InvalidUsageQueryError(`n must be an integer from 1 to ${USAGE_TOP_MAX_N}, got ${String(o.n)}`)
  if (o.by !== 'requests' && o.by !== 'bytes') throw new InvalidUsageQueryError(`by must be "requests" or "bytes", got ${String(o.by)}`)
  checkText(o.region, 'region')
}

export interface RollupFilter {
  bucket: RollupBucket
  fromMs: number
  toMs: number
  kind?: 'manifest' | 'blob' | undefined
  digest?: string | undefined
  region?: string | undefined
  /** Buckets starting before this are skipped (minute buckets past the window). */
  minStartMs: number
}

/** The roll-ups of buckets starting in `[fromMs, toMs)`, in time order; unreadable ones are skipped and passed to `corrupt`. */
export async function * readRollups (storage: UsageStorage, f: RollupFilter, signal: AbortSignal | undefined, corrupt: (key: string) => void): AsyncGenerator<UsageRollup> {
  const range = { gte: rollupTimeKey(f.bucket, Math.max(f.fromMs, f.minStartMs)), lt: rollupTimeKey(f.bucket, f.toMs) }
  if (range.gte >= range.lt) return
  for await (const [key, value] of storage.readEntries(range)) {
    signal?.throwIfAborted()
    const id = parseRollupKey(key)
    const counts = id == null ? undefined : decodeCounts(value)
    if (id == null || counts == null || id.bucket !== f.bucket) {
      corrupt(key)
      continue
    }
    if ((f.kind != null && id.kind !== f.kind) || (f.digest != null && id.digest !== f.digest) || (f.region != null && id.region !== f.region)) continue
    yield { bucketStartMs: id.bucketStartMs, kind: id.kind, digest: id.digest, region: id.region, ...counts }
  }
}

/**
 * The bucket windows that cover `timeMs >= sinceMs`: minute buckets up to
 * the first whole hour, then hour buckets (the current, partial one
 * included), so the count starts at the minute holding `sinceMs`. Beyond the
 * minute window it starts at the hour holding `sinceMs`.
 */
export function topLayerWindows (sinceMs: number, minuteCutoffMs: number, endMs: number): Array<{ bucket: RollupBucket, fromMs: number, toMs: number }> {
  const minute = bucketStartMs('minute', sinceMs)
  const hour = bucketStartMs('hour', sinceMs)
  if (minute === hour || minute < minuteCutoffMs) return [{ bucket: 'hour', fromMs: hour, toMs: endMs }]
  const nextHour = hour + bucketWidthMs('hour')
  return [{ bucket: 'minute', fromMs: minute, toMs: nextHour }, { bucket: 'hour', fromMs: nextHour, toMs: endMs }]
}

/** Add up blob roll-ups per digest and keep the `n` largest by `by` (ties: the other measure, then the digest). */
export async function topLayersOf (rows: AsyncIterable<UsageRollup>, options: TopLayersOptions): Promise<TopLayer[]> {
  const layers = new Map<string, TopLayer>()
  for await (const r of rows) {
    if (r.kind !== 'blob') continue
    let layer = layers.get(r.digest)
    if (layer == null) {
      if (layers.size >= USAGE_TOP_MAX_LAYERS) {
        throw new UsageQueryLimitError(`topLayers would add up more than ${USAGE_TOP_MAX_LAYERS} layers; ask for a shorter window (a later sinceMs)`)
      }
      layer = { digest: r.digest, requests: 0, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }
      layers.set(r.digest, layer)
    }
    layer.requests += r.requests
    layer.bytes += r.bytes
    layer.bytesBySource.local += r.bytesBySource.local
    layer.bytesBySource.peer += r.bytesBySource.peer
    layer.bytesBySource.origin += r.bytesBySource.origin
  }
  const other = options.by === 'requests' ? 'bytes' : 'requests'
  return [...layers.values()]
    .sort((a, b) => b[options.by] - a[options.by] || b[other] - a[other] || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
    .slice(0, options.n)
}
