/**
 * Version comparison: the order of two versions of a package, as its
 * ecosystem's own tool orders them, so that an installed version can be
 * matched against OSV `ECOSYSTEM` ranges (`introduced` / `fixed` /
 * `last_affected`).
 *
 * `compareVersions(ecosystem, a, b)` answers -1, 0 or 1. The ecosystem is
 * named as OSV names it; a release suffix (`Debian:12`, `Alpine:v3.19`) is
 * accepted and ignored. Each ecosystem has its own function too:
 *
 * - `Debian`: `compareDpkg`, dpkg's algorithm (epoch, upstream, revision;
 *   `~` before everything; numbers of any length compared exactly);
 * - `Alpine`: `compareApk`, apk-tools 3's `apk_version_compare`, which
 *   also orders versions apk calls invalid (`isValidApk` tells them apart);
 * - `npm`: `compareSemver`, npm's `semver`, strict;
 * - `PyPI`: `comparePep440`, PEP 440, with versions that are not PEP 440
 *   ordered as pip's `LegacyVersion` did (before all PEP 440 versions).
 *
 * Errors: `UnsupportedEcosystemError` for another ecosystem,
 * `InvalidVersionError` for a version the ecosystem cannot order; both
 * quote what they refuse, truncated. Every version is bounded: more than
 * 256 characters (`MAX_VERSION_LENGTH`) is refused, as are whitespace,
 * control and non-ASCII characters, which no version here contains. Pure
 * functions, no state, no I/O.
 */
export * from './constants.js'
export * from './errors.js'
export type { Ordering } from './ordering.js'
export { ECOSYSTEMS, parseEcosystem, type Ecosystem, type EcosystemName } from './ecosystem.js'
export { compareVersions, isOrderable } from './compare.js'
export { compareDpkg, compareParsedDpkg, isValidDpkg, parseDpkg, type DpkgVersion } from './dpkg.js'
export { compareApk, isValidApk } from './apk.js'
export { compareSemver, isValidSemver, parseSemver } from './semver.js'
export { comparePep440, isValidPep440 } from './pep440.js'
