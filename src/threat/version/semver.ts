/**
 * npm versions: SemVer 2.0 as npm's own `semver` package reads them, strict
 * (`loose: false`: an optional leading `v`, nothing else before the
 * numbers). `semver` refuses numbers above 2^53 - 1, and so do we.
 */
import { compare, parse, type SemVer } from 'semver'
import { InvalidVersionError } from './errors.js'
import { checkVersionString } from './input.js'
import { sign, type Ordering } from './ordering.js'

const ECOSYSTEM = 'npm'
const OPTIONS = { loose: false } as const

export function parseSemver (version: string): SemVer {
  checkVersionString(ECOSYSTEM, version)
  const parsed = parse(version, OPTIONS)
  if (parsed === null) {
    throw new InvalidVersionError(ECOSYSTEM, version, 'not a SemVer 2.0 version that npm\'s semver accepts (strict, numbers up to 2^53 - 1)')
  }
  return parsed
}

export function isValidSemver (version: string): boolean {
  try {
    parseSemver(version)
    return true
  } catch (err) {
    if (err instanceof InvalidVersionError) return false
    throw err
  }
}

/** Orders two npm versions as `semver.compare` does (build metadata ignored); throws `InvalidVersionError` if either is not SemVer. */
export function compareSemver (a: string, b: string): Ordering {
  return sign(compare(parseSemver(a), parseSemver(b), OPTIONS))
}
