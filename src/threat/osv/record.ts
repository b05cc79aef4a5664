/**
 * OSV records (https://ossf.github.io/osv-schema/): parsed and checked for
 * what matching needs: the id, aliases, whether it is withdrawn, and for each
 * affected package its ecosystem, name, ranges and versions; and the base
 * score of its CVSS vector when it has a well-formed one (a malformed vector
 * is ignored, not refused: the record still matches). A record that breaks
 * the schema where matching depends on it is refused with
 * InvalidOsvRecordError naming the field, so a feed can count and skip it.
 */
import { InvalidOsvRecordError } from './errors.js'
import { bestCvss, type CvssRating } from '../cvss.js'

export type RangeEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string }

export interface OsvRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT'
  events: RangeEvent[]
}

export interface OsvAffected {
  /** The OSV ecosystem with its release suffix, e.g. `Debian:12`, `Alpine:v3.19`, `npm`. */
  ecosystem: string
  name: string
  ranges: OsvRange[]
  versions: string[]
}

export interface OsvRecord {
  id: string
  aliases: string[]
  upstream: string[]
  modified: string
  withdrawn?: string
  summary?: string
  /** Severity vectors as given (`CVSS_V3`, `CVSS_V4`, ...). */
  severity: Array<{ type: string, score: string }>
  /** A qualitative rating from `database_specific.severity` (GHSA: LOW, MODERATE, HIGH, CRITICAL), when given. */
  rating?: string
  /** The base score of the preferred well-formed CVSS vector in `severity` (see `bestCvss`), when there is one. */
  cvss?: CvssRating
  affected: OsvAffected[]
}

/** Most affected entries, ranges per entry, events per range and versions per entry. */
const MAX_AFFECTED = 10_000
const MAX_EVENTS = 1000
const MAX_VERSIONS = 100_000
/** Most `severity` entries; real records have one to three (one per CVSS version, or a distribution's rating). */
const MAX_SEVERITY = 100

function str (v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new InvalidOsvRecordError(`${field} must be a non-empty string`)
  return v
}

function strings (v: unknown, field: string): string[] {
  if (v == null) return []
  if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) throw new InvalidOsvRecordError(`${field} must be a list of strings`)
  return v
}

function event (v: unknown, where: string): RangeEvent {
  if (typeof v !== 'object' || v == null) throw new InvalidOsvRecordError(`${where} must be an object`)
  const keys = Object.keys(v)
  if (keys.length !== 1) throw new InvalidOsvRecordError(`${where} must have exactly one of introduced, fixed, last_affected, limit`)
  const [k] = keys as ['introduced' | 'fixed' | 'last_affected' | 'limit']
  if (!['introduced', 'fixed', 'last_affected', 'limit'].includes(k)) throw new InvalidOsvRecordError(`${where} has unknown event ${JSON.stringify(k)}`)
  return { [k]: str((v as Record<string, unknown>)[k], `${where}.${k}`) } as RangeEvent
}

export function parseOsvRecord (value: unknown): OsvRecord {
  if (typeof value !== 'object' || value == null || Array.isArray(value)) throw new InvalidOsvRecordError('an OSV record must be a JSON object')
  const r = value as Record<string, unknown>
  const id = str(r.id, 'id')
  const affectedIn = r.affected ?? []
  if (!Array.isArray(affectedIn)) throw new InvalidOsvRecordError(`${id}: affected must be a list`)
  if (affectedIn.length > MAX_AFFECTED) throw new InvalidOsvRecordError(`${id}: more than ${MAX_AFFECTED} affected entries`)
  const affected: OsvAffected[] = affectedIn.map((a: unknown, i) => {
    const where = `${id}: affected[${i}]`
    if (typeof a !== 'object' || a == null) throw new InvalidOsvRecordError(`${where} must be an object`)
    const pkg = (a as { package?: unknown }).package as { ecosystem?: unknown, name?: unknown } | undefined
    if (pkg == null || typeof pkg !== 'object') throw new InvalidOsvRecordError(`${where}.package is missing`)
    const rangesIn = (a as { ranges?: unknown }).ranges ?? []
    if (!Array.isArray(rangesIn)) throw new InvalidOsvRecordError(`${where}.ranges must be a list`)
    const ranges = rangesIn.map((rg: unknown, j) => {
      const rw = `${where}.ranges[${j}]`
      const t = (rg as { type?: unknown })?.type
      if (t !== 'ECOSYSTEM' && t !== 'SEMVER' && t !== 'GIT') throw new InvalidOsvRecordError(`${rw}.type must be ECOSYSTEM, SEMVER or GIT`)
      const evs = (rg as { events?: unknown }).events
      if (!Array.isArray(evs) || evs.length === 0 || evs.length > MAX_EVENTS) throw new InvalidOsvRecordError(`${rw}.events must be a list of 1 to ${MAX_EVENTS} events`)
      const events = evs.map((e, k) => event(e, `${rw}.events[${k}]`))
      if (!events.some(e => 'introduced' in e)) throw new InvalidOsvRecordError(`${rw} has no introduced event`)
      return { type: t as OsvRange['type'], events }
    })
    const versions = strings((a as { versions?: unknown }).versions, `${where}.versions`)
    if (versions.length > MAX_VERSIONS) throw new InvalidOsvRecordError(`${where}: more than ${MAX_VERSIONS} versions`)
    return { ecosystem: str(pkg.ecosystem, `${where}.package.ecosystem`), name: str(pkg.name, `${where}.package.name`), ranges, versions }
  })
  const severityIn = r.severity ?? []
  if (Array.isArray(severityIn) && severityIn.length > MAX_SEVERITY) throw new InvalidOsvRecordError(`${id}: more than ${MAX_SEVERITY} severity entries`)
  const severity = Array.isArray(severityIn)
    ? severityIn.filter((s): s is { type: string, score: string } => typeof (s as { type?: unknown })?.type === 'string' && typeof (s as { score?: unknown })?.score === 'string')
    : []
  const cvss = bestCvss(severity)
  return {
    id,
    aliases: strings(r.aliases, `${id}: aliases`),
    upstream: strings(r.upstream, `${id}: upstream`),
    modified: str(r.modified, `${id}: modified`),
    ...(typeof r.withdrawn === 'string' ? { withdrawn: r.withdrawn } : {}),
    ...(typeof r.summary === 'string' ? { summary: r.summary } : {}),
    ...(typeof (r.database_specific as { severity?: unknown } | undefined)?.severity === 'string' ? { rating: (r.database_specific as { severity: string }).severity } : {}),
    severity,
    ...(cvss != null ? { cvss } : {}),
    affected
  }
}
