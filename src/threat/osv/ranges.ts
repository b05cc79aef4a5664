/**
 * Is a version of a package affected by an OSV record? The evaluation the
 * OSV schema specifies: for each ECOSYSTEM or SEMVER range, walk its events
 * in version order ("0" before everything); `introduced` at or below the
 * version turns it on, `fixed` at or below turns it off, `last_affected`
 * below turns it off; a `limit` bounds the range from above. A version
 * listed in `versions` is affected too. GIT ranges name commits, which an
 * installed package does not have: they are skipped (the `versions` list
 * usually enumerates them).
 */
import type { OsvAffected, OsvRange, RangeEvent } from './record.js'

export type Compare = (a: string, b: string) => -1 | 0 | 1

function eventVersion (e: RangeEvent): string {
  if ('introduced' in e) return e.introduced
  if ('fixed' in e) return e.fixed
  if ('last_affected' in e) return e.last_affected
  return e.limit
}

function inRange (range: OsvRange, version: string, compare: Compare): boolean {
  const cmp = (a: string, b: string): number => {
    if (a === b) return 0
    if (a === '0') return -1
    if (b === '0') return 1
    return compare(a, b)
  }
  const limits = range.events.filter((e): e is { limit: string } => 'limit' in e)
  if (limits.length > 0 && !limits.some(l => l.limit === '*' || cmp(version, l.limit) < 0)) return false
  const events = range.events.filter(e => !('limit' in e)).sort((a, b) => cmp(eventVersion(a), eventVersion(b)))
  let affected = false
  for (const e of events) {
    if ('introduced' in e) {
      if (cmp(version, e.introduced) >= 0) affected = true
    } else if ('fixed' in e) {
      if (cmp(version, e.fixed) >= 0) affected = false
    } else if ('last_affected' in e) {
      if (cmp(version, e.last_affected) > 0) affected = false
    }
  }
  return affected
}

/** Whether `version` is affected by this entry. `compare` orders versions of the entry's ecosystem. */
export function isAffected (entry: OsvAffected, version: string, compare: Compare): boolean {
  if (entry.versions.includes(version)) return true
  return entry.ranges.some(r => r.type !== 'GIT' && inRange(r, version, compare))
}

/** The first `fixed` version at or above `version` in the entry's ranges, if any (what to upgrade to). */
export function fixedVersion (entry: OsvAffected, version: string, compare: Compare): string | undefined {
  const fixes = entry.ranges.filter(r => r.type !== 'GIT').flatMap(r => r.events).filter((e): e is { fixed: string } => 'fixed' in e).map(e => e.fixed)
  return fixes.filter(f => compare(f, version) > 0).sort(compare)[0]
}
