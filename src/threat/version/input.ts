import { MAX_VERSION_LENGTH } from './constants.js'
import { InvalidVersionError } from './errors.js'

/**
 * Printable ASCII without the space. No ecosystem here has versions with
 * whitespace, control or non-ASCII characters (dpkg, apk and semver refuse
 * them; PEP 440 allows only surrounding whitespace), so they are refused
 * up front rather than ordered by accident.
 */
const PRINTABLE = /^[\x21-\x7e]+$/

/** The checks every ecosystem shares: a non-empty string, at most `MAX_VERSION_LENGTH` printable ASCII characters. */
export function checkVersionString (ecosystem: string, version: unknown): asserts version is string {
  if (typeof version !== 'string') throw new InvalidVersionError(ecosystem, version, 'not a string')
  if (version.length === 0) throw new InvalidVersionError(ecosystem, version, 'empty')
  if (version.length > MAX_VERSION_LENGTH) {
    throw new InvalidVersionError(ecosystem, version, `longer than ${MAX_VERSION_LENGTH} characters`)
  }
  if (!PRINTABLE.test(version)) {
    throw new InvalidVersionError(ecosystem, version, 'contains whitespace, a control character or a non-ASCII character')
  }
}
