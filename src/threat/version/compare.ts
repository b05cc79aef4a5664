import { compareApk } from './apk.js'
import { compareDpkg } from './dpkg.js'
import { parseEcosystem, type Ecosystem, type EcosystemName } from './ecosystem.js'
import { InvalidVersionError } from './errors.js'
import type { Ordering } from './ordering.js'
import { comparePep440 } from './pep440.js'
import { compareSemver } from './semver.js'

const COMPARE: Record<Ecosystem, (a: string, b: string) => Ordering> = {
  Debian: compareDpkg,
  Alpine: compareApk,
  npm: compareSemver,
  PyPI: comparePep440
}

/**
 * Orders two versions of a package of `ecosystem`: -1 if `a` is older than
 * `b`, 0 if they are the same version, 1 if `a` is newer. Throws
 * `UnsupportedEcosystemError` for an ecosystem other than `ECOSYSTEMS`
 * (a `:<release>` suffix is ignored) and `InvalidVersionError` for a version
 * the ecosystem cannot order.
 */
export function compareVersions (ecosystem: EcosystemName, a: string, b: string): Ordering {
  return COMPARE[parseEcosystem(ecosystem)](a, b)
}

/**
 * Whether `compareVersions` can order `version` (it then can against any
 * other orderable version of the ecosystem). Broader than "valid" for Alpine
 * and PyPI, where versions the ecosystem calls invalid are still ordered;
 * see `isValidApk` and `isValidPep440`.
 */
export function isOrderable (ecosystem: EcosystemName, version: string): boolean {
  const compare = COMPARE[parseEcosystem(ecosystem)]
  try {
    compare(version, version)
    return true
  } catch (err) {
    if (err instanceof InvalidVersionError) return false
    throw err
  }
}
