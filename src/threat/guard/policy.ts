/**
 * Which scans put a blob in quarantine. Known malware always does (a file,
 * or the blob itself, on a malware list). Block levels add vulnerability
 * rules, off by default because a fleet that suddenly refuses its base
 * images is an outage: `kev-critical` (a critical finding that is known
 * exploited), `kev` (any known exploited finding), `critical`, `high`
 * (a finding at or above that severity).
 */
import type { LayerScan } from '../scan/index.js'
import { CRITICAL_SEVERITY, HIGH_SEVERITY } from './constants.js'
import { InvalidBlockLevelError } from './errors.js'

export const BLOCK_LEVELS = ['kev-critical', 'kev', 'critical', 'high'] as const
export type BlockLevel = typeof BLOCK_LEVELS[number]

export function parseBlockLevels (input: string | string[]): BlockLevel[] {
  const parts = (Array.isArray(input) ? input : input.split(',')).map(s => s.trim()).filter(s => s !== '' && s !== 'off')
  for (const p of parts) {
    if (!(BLOCK_LEVELS as readonly string[]).includes(p)) throw new InvalidBlockLevelError(`unknown block level ${JSON.stringify(p)}; the levels are ${BLOCK_LEVELS.join(', ')} (or off)`)
  }
  return [...new Set(parts)] as BlockLevel[]
}

/** Why this scan quarantines its blob, or undefined. */
export function quarantineReason (scan: LayerScan, block: readonly BlockLevel[]): string | undefined {
  const m = scan.malware[0]
  if (m != null) {
    const what = m.path === '' ? 'the blob itself' : `file ${m.path}`
    const more = scan.malware.length > 1 ? ` (and ${scan.malware.length - 1} more)` : ''
    return `${what} (sha256 ${m.sha256}) is on a malware list${m.signature != null ? ` as ${m.signature}` : ''}${more}`
  }
  for (const level of block) {
    const hit = scan.findings.find(f =>
      level === 'kev-critical' ? f.kev && f.severity >= CRITICAL_SEVERITY
        : level === 'kev' ? f.kev
          : level === 'critical' ? f.severity >= CRITICAL_SEVERITY
            : f.severity >= HIGH_SEVERITY)
    if (hit != null) return `${hit.ecosystem} package ${hit.package} ${hit.version} has ${hit.vulnerability}${hit.kev ? ' (known exploited)' : ''}, blocked by level ${level}`
  }
  return undefined
}
