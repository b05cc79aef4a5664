/** `shoal usage tail`: the newest manifests and blobs the daemon's mirror served, and where their bytes came from. */
import type { UsageEvent } from '../daemon/api.js'
import { USAGE_TAIL_DEFAULT_LIMIT, USAGE_TAIL_MAX_LIMIT } from '../usage/constants.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatDuration, formatTable } from './format.js'

export const USAGE_COMMAND_USAGE = `usage: shoal usage tail [--limit N] [--since DURATION|TIME] [options]

List the newest manifests and blobs the registry mirror served, oldest first:
when, registry, repository, reference, digest, kind, HTTP status, bytes sent
and how many came from the local store, from peers and from the origin.

  --limit N       at most N events, 1 to ${USAGE_TAIL_MAX_LIMIT} (default ${USAGE_TAIL_DEFAULT_LIMIT})
  --since WHEN    only events since WHEN: a duration back from now (90s, 10m,
                  1h30m, 2d) or an ISO time (2024-05-01T12:00:00Z)
${COMMON_USAGE}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  limit: { type: 'string', short: 'n' },
  since: { type: 'string' }
} as const

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g

export async function usageCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, USAGE_COMMAND_USAGE)
  if (values.help === true) { await write(ctx.stdout, USAGE_COMMAND_USAGE + '\n'); return 0 }
  const [sub, ...extra] = positionals
  if (sub == null) throw new UsageError('usage needs a subcommand: tail', USAGE_COMMAND_USAGE)
  if (sub !== 'tail') throw new UsageError(`unknown usage subcommand ${JSON.stringify(sub)}; the one there is: tail`, USAGE_COMMAND_USAGE)
  if (extra.length > 0) throw new UsageError(`usage tail takes no arguments, got ${extra.join(' ')}`, USAGE_COMMAND_USAGE)
  const limit = values.limit != null ? parseLimit(values.limit) : undefined
  const sinceMs = values.since != null ? parseSince(values.since, Date.now()) : undefined
  const events = await ctx.client(values).usage({ ...(limit != null ? { limit } : {}), ...(sinceMs != null ? { sinceMs } : {}) })
  if (values.json === true) await writeJson(ctx.stdout, events)
  else await write(ctx.stdout, events.length === 0 ? 'no usage events\n' : formatUsage(events))
  return 0
}

export function parseLimit (value: string): number {
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (!(n >= 1 && n <= USAGE_TAIL_MAX_LIMIT)) {
    throw new UsageError(`--limit must be a whole number from 1 to ${USAGE_TAIL_MAX_LIMIT}, got ${JSON.stringify(value.slice(0, 20))}`, USAGE_COMMAND_USAGE)
  }
  return n
}

/** `--since`: a duration back from `nowMs` (`90s`, `10m`, `1h30m`, `2d`, `500ms`), or an ISO 8601 time. Returns ms since the epoch. */
export function parseSince (value: string, nowMs: number): number {
  if (DURATION_RE.test(value)) {
    let ms = 0
    for (const [, n = '0', unit = 'ms'] of value.matchAll(DURATION_PART_RE)) ms += Number(n) * (UNIT_MS[unit] ?? NaN)
    return Math.max(0, Math.floor(nowMs - ms))
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms) && ms >= 0) return ms
  }
  const hint = /^\d+(?:\.\d+)?$/.test(value) ? ` (a duration needs a unit: ${value}s, ${value}m, ${value}h or ${value}d)` : ''
  throw new UsageError(`--since must be a duration such as 10m, 1h30m or 2d, or an ISO time such as 2024-05-01T12:00:00Z; got ${JSON.stringify(value.slice(0, 40))}${hint}`, USAGE_COMMAND_USAGE)
}

export function formatUsage (events: UsageEvent[]): string {
  return formatTable([
    { header: 'TIME' }, { header: 'ORIGIN' }, { header: 'REPOSITORY' }, { header: 'REF' }, { header: 'DIGEST' },
    { header: 'KIND' }, { header: 'STATUS', align: 'right' }, { header: 'BYTES', align: 'right' },
    { header: 'LOCAL/PEER/ORIGIN', align: 'right' }, { header: 'DURATION', align: 'right' }
  ], events.map(e => [
    formatTime(e.timeMs),
    e.origin,
    e.repository,
    shortRef(e.reference),
    shortDigest(e.digest),
    e.kind,
    String(e.status),
    formatBytes(e.bytes),
    `${formatBytes(e.bytesBySource.local)}/${formatBytes(e.bytesBySource.peer)}/${formatBytes(e.bytesBySource.origin)}`,
    formatDuration(e.durationMs)
  ]))
}

/** `2024-05-01T12:00:00Z`: UTC, to the second (`--json` has the milliseconds). */
export function formatTime (ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `sha256:` and the first 12 hex digits, as `docker images` shows them. */
export function shortDigest (digest: string): string {
  const m = /^([a-z0-9]+:)([0-9a-f]{12})[0-9a-f]{4,}$/.exec(digest)
  if (m != null) return `${m[1] ?? ''}${m[2] ?? ''}`
  return digest.length <= 24 ? digest : `${digest.slice(0, 23)}…`
}

/** A tag as it is (cut at 24 characters), a digest reference shortened like a digest. */
export function shortRef (reference: string): string {
  if (reference.includes(':')) return shortDigest(reference)
  return reference.length <= 24 ? reference : `${reference.slice(0, 23)}…`
}
