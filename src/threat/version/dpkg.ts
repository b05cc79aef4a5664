/**
 * Debian (dpkg) versions: `[epoch:]upstream[-revision]`, compared as
 * `dpkg --compare-versions` does (lib/dpkg/version.c): epochs as integers,
 * then upstream and revision each with `verrevcmp`.
 */
import { DPKG_MAX_EPOCH } from './constants.js'
import { InvalidVersionError } from './errors.js'
import { checkVersionString } from './input.js'
import { sign, type Ordering } from './ordering.js'

const ECOSYSTEM = 'Debian'

export interface DpkgVersion {
  epoch: number
  upstream: string
  /** `''` when the version has no `-`; it then compares equal to `'0'`. */
  revision: string
}

const DIGITS = /^[0-9]+$/
/** Debian policy 5.6.12: upstream is alphanumerics and `. + - ~ :`, the revision alphanumerics and `. + ~`. */
const UPSTREAM = /^[A-Za-z0-9.+~:-]+$/
const REVISION = /^[A-Za-z0-9.+~]+$/

/**
 * Splits a Debian version and checks it as dpkg's `parseversion` does: the
 * epoch is everything before the first `:`, the revision everything after
 * the last `-`. dpkg only warns about a bad character or an upstream that
 * does not start with a digit; here a bad character is refused (policy says
 * "must"), and a non-digit start is accepted (policy says "should", and
 * dpkg orders such versions).
 */
export function parseDpkg (version: string): DpkgVersion {
  checkVersionString(ECOSYSTEM, version)
  const fail = (reason: string): never => { throw new InvalidVersionError(ECOSYSTEM, version, reason) }
  let epoch = 0
  let rest = version
  const colon = version.indexOf(':')
  if (colon !== -1) {
    const digits = version.slice(0, colon)
    if (digits === '') fail('the epoch is empty')
    if (!DIGITS.test(digits)) fail('the epoch is not a number')
    const significant = digits.replace(/^0+/, '')
    if (significant.length > 10 || Number(significant) > DPKG_MAX_EPOCH) fail(`the epoch is larger than ${DPKG_MAX_EPOCH}`)
    epoch = Number(significant)
    rest = version.slice(colon + 1)
    if (rest === '') fail('nothing after the epoch colon')
  }
  const hyphen = rest.lastIndexOf('-')
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen)
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1)
  if (hyphen !== -1 && revision === '') fail('the revision is empty')
  if (upstream === '') fail('the upstream version is empty')
  if (!UPSTREAM.test(upstream)) fail('the upstream version has a character other than A-Z a-z 0-9 . + ~ : -')
  if (revision !== '' && !REVISION.test(revision)) fail('the revision has a character other than A-Z a-z 0-9 . + ~')
  return { epoch, upstream, revision }
}

export function isValidDpkg (version: string): boolean {
  try {
    parseDpkg(version)
    return true
  } catch (err) {
    if (err instanceof InvalidVersionError) return false
    throw err
  }
}

/** Orders two Debian versions; throws `InvalidVersionError` if either is malformed. */
export function compareDpkg (a: string, b: string): Ordering {
  return compareParsedDpkg(parseDpkg(a), parseDpkg(b))
}

/** Orders two versions already split (and checked) by `parseDpkg`. */
export function compareParsedDpkg (a: DpkgVersion, b: DpkgVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  return sign(verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision))
}

const ZERO = 0x30
const NINE = 0x39
const TILDE = 0x7e

function isDigit (c: number): boolean {
  return c >= ZERO && c <= NINE
}

function isAlpha (c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

/** dpkg's `order`: `~` before the end, the end (and digits) before letters, letters before everything else. */
function order (s: string, i: number): number {
  if (i >= s.length) return 0
  const c = s.charCodeAt(i)
  if (isDigit(c)) return 0
  if (isAlpha(c)) return c
  if (c === TILDE) return -1
  return c + 256
}

/**
 * dpkg's `verrevcmp`: alternating non-digit and digit runs. Digit runs are
 * compared as integers of any length (leading zeros skipped, then the longer
 * run is larger, then the first differing digit decides), never through a
 * floating-point number.
 */
function verrevcmp (a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    let firstDiff = 0
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a, i)
      const bc = order(b, j)
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (a.charCodeAt(i) === ZERO) i++
    while (b.charCodeAt(j) === ZERO) j++
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j)
      i++
      j++
    }
    if (isDigit(a.charCodeAt(i))) return 1
    if (isDigit(b.charCodeAt(j))) return -1
    if (firstDiff !== 0) return firstDiff
  }
  return 0
}
