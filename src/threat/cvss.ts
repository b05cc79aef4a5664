/**
 * CVSS base scores from vector strings (CVSS 2.0, 3.0, 3.1 and 4.0), so a
 * finding's severity comes from the advisory's own vector rather than only
 * its qualitative rating. The arithmetic is `ae-cvss-calculator`'s (FIRST's
 * formulas; 4.0 through the macro-vector lookup), checked in the tests
 * against FIRST's calculator and NVD's published scores. This file adds the
 * strictness the library lacks: it accepts a repeated metric (the last one
 * wins), a missing base metric (scoring 0), a trailing slash and a prefix of
 * another version, and throws a TypeError on some garbage; here each of those
 * is a malformed vector, and a malformed vector has no score (undefined),
 * never an exception.
 *
 * The score is the base score: temporal, threat, environmental and
 * supplemental metrics in the vector are checked but do not change it (for
 * 4.0 that is FIRST's CVSS-B, not CVSS-BTE).
 */
import cvssCalculator from 'ae-cvss-calculator'

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0'

export interface CvssScore {
  version: CvssVersion
  /** The base score, 0.0 to 10.0. */
  score: number
}

export interface CvssRating extends CvssScore {
  /** The vector it was computed from, as the record gives it. */
  vector: string
}

/** Longest vector looked at; a 4.0 vector with every metric set is about 300 characters. */
export const MAX_CVSS_VECTOR_LENGTH = 1024
/**
 * Scores remembered, by vector. The library takes 30 to 60 us for a 3.x
 * vector and 0.4 ms for a 4.0 one, and a feed of a few hundred thousand
 * records holds a few thousand distinct vectors: without it, scoring would
 * cost a full OSV import tens of seconds. Emptied when full.
 */
export const CVSS_CACHE_ENTRIES = 8192

const cache = new Map<string, CvssScore | null>()

/** The metrics that must all be present, per version. */
const BASE_METRICS: Readonly<Record<CvssVersion, readonly string[]>> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA']
}

const PREFIXED = /^CVSS:(3\.0|3\.1|4\.0)\/(.*)$/s
const METRIC = /^([A-Za-z]+):([A-Za-z]+)$/

/** The version and metrics of a vector, checked for shape only: `undefined` when it has none. */
function parse (vector: string): { version: CvssVersion, metrics: Map<string, string> } | undefined {
  if (typeof vector !== 'string' || vector.length > MAX_CVSS_VECTOR_LENGTH) return undefined
  const prefixed = PREFIXED.exec(vector)
  // CVSS 2.0 vectors carry no prefix; NVD's and OSV's start with AV.
  const version: CvssVersion = prefixed != null ? prefixed[1] as CvssVersion : '2.0'
  const body = prefixed != null ? prefixed[2]! : vector
  if (version === '2.0' && !body.startsWith('AV:')) return undefined
  const metrics = new Map<string, string>()
  for (const part of body.split('/')) {
    const m = METRIC.exec(part)
    if (m == null || m[1] === 'CVSS' || metrics.has(m[1]!)) return undefined
    metrics.set(m[1]!, m[2]!)
  }
  if (!BASE_METRICS[version].every(name => metrics.has(name))) return undefined
  return { version, metrics }
}

/** What this file uses of the library's vector classes. */
interface Calculator {
  isBaseFullyDefined (): boolean
  /** `base` for 2.0 and 3.x; for 4.0 `base` is CVSS-BTE and `baseMetricsOnly` CVSS-B. */
  calculateScores (): { base?: number | undefined, baseMetricsOnly?: number | undefined }
}

/** The library's vector for `version`, built from `vector`; throws on an unknown metric or value. */
function calculator (version: CvssVersion, vector: string): Calculator {
  switch (version) {
    case '2.0': return new cvssCalculator.Cvss2(vector)
    case '3.0': return new cvssCalculator.Cvss3P0(vector)
    case '3.1': return new cvssCalculator.Cvss3P1(vector)
    case '4.0': return new cvssCalculator.Cvss4P0(vector)
  }
}

/** The version and base score of a CVSS vector; undefined (never a throw) when it is malformed. */
export function cvssBaseScore (vector: string): CvssScore | undefined {
  if (typeof vector !== 'string' || vector.length > MAX_CVSS_VECTOR_LENGTH) return undefined
  let result = cache.get(vector)
  if (result === undefined) {
    result = compute(vector) ?? null
    if (cache.size >= CVSS_CACHE_ENTRIES) cache.clear()
    cache.set(vector, result)
  }
  return result == null ? undefined : { ...result }
}

function compute (vector: string): CvssScore | undefined {
  const parsed = parse(vector)
  if (parsed == null) return undefined
  const { version, metrics } = parsed
  try {
    // Every metric, base or not, must be one the version defines with a value it allows.
    const full = calculator(version, vector)
    if (!full.isBaseFullyDefined()) return undefined // a base metric set to X (not defined)
    let score: number | undefined
    if (version === '4.0') {
      // The library's 4.0 result computes CVSS-BTE too, about 5 times the work
      // when threat or environmental metrics are present; score the base alone.
      const base = BASE_METRICS['4.0']
      const only = metrics.size === base.length ? full : calculator('4.0', `CVSS:4.0/${base.map(n => `${n}:${metrics.get(n)!}`).join('/')}`)
      score = only.calculateScores().baseMetricsOnly
    } else {
      score = full.calculateScores().base
    }
    if (score == null || !Number.isFinite(score) || score < 0 || score > 10) return undefined
    return { version, score }
  } catch {
    return undefined // an unknown metric or value (the library's own message is not worth keeping)
  }
}

/**
 * The OSV `severity` entry types that carry a CVSS vector, with the versions
 * each may hold, in order of preference.
 */
const PREFERENCE: ReadonlyArray<{ type: string, version: CvssVersion }> = [
  { type: 'CVSS_V3', version: '3.1' },
  { type: 'CVSS_V3', version: '3.0' },
  { type: 'CVSS_V4', version: '4.0' },
  { type: 'CVSS_V2', version: '2.0' }
]

function versionOf (vector: string): CvssVersion {
  const prefixed = PREFIXED.exec(vector)
  return prefixed != null ? prefixed[1] as CvssVersion : '2.0'
}

/**
 * A record's CVSS rating from its OSV `severity` list: the first well-formed
 * vector by preference 3.1, 3.0, 4.0, 2.0, each under the entry type that
 * names its version (a `CVSS_V3` entry holding a 4.0 vector is skipped);
 * other types (`Ubuntu`, ...) are not vectors and are ignored. 3.x comes
 * before 4.0 because the GHSA and NVD world scores in 3.1, nearly every
 * record that has a 4.0 vector has a 3.1 one too, and 4.0 scores the same
 * flaw differently (3.1's 9.8 is often 4.0's 9.3): preferring 3.x keeps
 * findings comparable across records. 2.0 is the last resort: coarse, and no
 * longer issued.
 */
export function bestCvss (severity: ReadonlyArray<{ type: string, score: string }>): CvssRating | undefined {
  for (const { type, version } of PREFERENCE) {
    for (const s of severity) {
      if (s.type !== type || typeof s.score !== 'string' || versionOf(s.score) !== version) continue
      const result = cvssBaseScore(s.score)
      if (result != null) return { ...result, vector: s.score }
    }
  }
  return undefined
}
