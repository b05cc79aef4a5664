/** Events, a recording logger and a hand-moved clock for usage log tests. */
import type { UsageEvent, UsageLogger } from '../../src/usage/index.js'

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
