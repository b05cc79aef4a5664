/**
 * The threat score of a layer, in [0, 1]. Each finding (a vulnerable
 * package version) weighs
 *
 *   w = 1 - (1 - severity * exploited) * (1 - epss)
 *
 * where `severity` is the finding's severity in [0, 1] (CVSS base score / 10,
 * or the advisory's qualitative rating: low 0.3, moderate/medium 0.5, high
 * 0.8, critical 0.95; unknown 0.5), `exploited` is 1 for a CVE in CISA's KEV
 * catalog and 0.6 otherwise (known exploitation matters more than a score),
 * and `epss` the probability of exploitation in the next 30 days (0 when
 * unknown). The layer's score combines its findings as independent chances
 * (a noisy-OR), so more findings raise it but never past 1:
 *
 *   score = 1 - prod(1 - w)
 *
 * A layer holding a file whose sha256 is on a malware list scores 1, whatever
 * else it holds.
 */

export interface ScoredFinding {
  /** In [0, 1]. */
  severity: number
  kev: boolean
  /** In [0, 1], when known. */
  epss?: number
}

/** Weight of exploitation when a CVE is not (yet) in KEV. */
export const NOT_IN_KEV_FACTOR = 0.6
export const UNKNOWN_SEVERITY = 0.5

const QUALITATIVE: Readonly<Record<string, number>> = {
  low: 0.3,
  moderate: 0.5,
  medium: 0.5,
  high: 0.8,
  important: 0.8,
  critical: 0.95
}

/** Severity in [0, 1] from a CVSS base score (0-10) or a qualitative rating. */
export function severityOf (input: { cvssBaseScore?: number, rating?: string }): number {
  if (input.cvssBaseScore != null && Number.isFinite(input.cvssBaseScore)) return Math.min(1, Math.max(0, input.cvssBaseScore / 10))
  return QUALITATIVE[(input.rating ?? '').toLowerCase()] ?? UNKNOWN_SEVERITY
}

export function findingWeight (f: ScoredFinding): number {
  const s = Math.min(1, Math.max(0, f.severity)) * (f.kev ? 1 : NOT_IN_KEV_FACTOR)
  const e = Math.min(1, Math.max(0, f.epss ?? 0))
  return 1 - (1 - s) * (1 - e)
}

export function layerThreatScore (findings: ScoredFinding[], malware: boolean): number {
  if (malware) return 1
  let clean = 1
  for (const f of findings) clean *= 1 - findingWeight(f)
  return 1 - clean
}
