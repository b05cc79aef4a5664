/** Events, a recording logger, a hand-moved clock and brute-force roll-ups for usage log tests. */
import { USAGE_NO_REGION } from '../../src/usage/constants.js'
import { bucketStartMs, rollupKey, type RollupBucket } from '../../src/usage/rollup-record.js'
import type { TopLayer, UsageEvent, UsageLogger, UsageRollup } from '../../src/usage/index.js'

export const DAY_MS = 24 * 60 * 60 * 1000

/** A valid event at `timeMs`; `n` varies the repository and digest so events can be told apart. */
export function makeEvent (timeMs: number, n = 0, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    timeMs,
    origin: 'docker.io',
    repository: `library/app${n}`,
    reference: 'latest',
    digest: 'sha256:' + n.toString(16).padStart(64, '0'),
    kind: n % 3 === 0 ? 'manifest' : 'blob',
    bytes: 1000 + n,
    bytesBySource: { local: n, peer: 1000, origin: 0 },
    durationMs: 12.5,
    client: '127.0.0.1',
    status: 200,
    ...(n % 2 === 0 ? { region: 'eu-west' } : {}),
    ...overrides
  }
}

export interface LogLine { level: string, msg: string, obj: object }

export function recordingLogger (): UsageLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    debug: (obj, msg) => { lines.push({ level: 'debug', msg, obj }) },
    info: (obj, msg) => { lines.push({ level: 'info', msg, obj }) },
    warn: (obj, msg) => { lines.push({ level: 'warn', msg, obj }) },
    error: (obj, msg) => { lines.push({ level: 'error', msg, obj }) }
  }
}

export interface Clock {
  now: () => number
  set: (ms: number) => void
}

export function manualClock (startMs: number): Clock {
  let ms = startMs
  return { now: () => ms, set: v => { ms = v } }
}

/** Wait until `check` holds, up to `timeoutMs`; false if it never did. */
export async function eventually (check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) return false
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  return true
}

export async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

/** Events sorted as a usage log returns them: by time, ties in record order. */
export function ordered (events: Array<{ event: UsageEvent, order: number }>): UsageEvent[] {
  return [...events].sort((a, b) => a.event.timeMs - b.event.timeMs || a.order - b.order).map(e => e.event)
}

/** The roll-ups of `events` by brute force, in the order a usage log returns them (the order of their keys). */
export function aggregate (events: UsageEvent[], bucket: RollupBucket, minStartMs = 0): UsageRollup[] {
  const sums = new Map<string, UsageRollup>()
  for (const e of events) {
    const start = bucketStartMs(bucket, e.timeMs)
    if (start < minStartMs) continue
    const region = e.region ?? USAGE_NO_REGION
    // Keyed apart from the log's key encoding, so a collision there shows as a difference here.
    const key = JSON.stringify([start, e.kind, e.digest, region])
    const r = sums.get(key) ?? { bucketStartMs: start, kind: e.kind, digest: e.digest, region, requests: 0, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }
    r.requests++
    r.bytes += e.bytes
    r.bytesBySource.local += e.bytesBySource.local
    r.bytesBySource.peer += e.bytesBySource.peer
    r.bytesBySource.origin += e.bytesBySource.origin
    sums.set(key, r)
  }
  return [...sums.values()]
    .map(r => ({ r, key: rollupKey({ bucket, ...r }) }))
    .sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    .map(({ r }) => r)
}

/** The top layers of `events` by brute force: blobs with `timeMs >= startMs`, added up per digest. */
export function topOf (events: UsageEvent[], startMs: number, n: number, by: 'requests' | 'bytes', region?: string): TopLayer[] {
  const layers = new Map<string, TopLayer>()
  for (const e of events) {
    if (e.kind !== 'blob' || e.timeMs < startMs || (region != null && (e.region ?? USAGE_NO_REGION) !== region)) continue
    const l = layers.get(e.digest) ?? { digest: e.digest, requests: 0, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }
    l.requests++
    l.bytes += e.bytes
    l.bytesBySource.local += e.bytesBySource.local
    l.bytesBySource.peer += e.bytesBySource.peer
    l.bytesBySource.origin += e.bytesBySource.origin
    layers.set(e.digest, l)
  }
  const other = by === 'requests' ? 'bytes' : 'requests'
  return [...layers.values()].sort((a, b) => b[by] - a[by] || b[other] - a[other] || (a.digest < b.digest ? -1 : 1)).slice(0, n)
}
