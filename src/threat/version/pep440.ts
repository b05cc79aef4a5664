/**
 * PyPI versions: PEP 440, ordered by `@renovatebot/pep440` (a port of
 * `packaging.version`), with two guards and a fallback:
 *
 * - the library keeps numbers as JavaScript numbers, so a version with a
 *   number above 2^53 - 1 is refused rather than ordered wrongly;
 * - local segments (`+ubuntu.1`) are compared here, exactly: the library
 *   takes any segment `Number()` can read (`1e5`, `0x1f`) for a number;
 * - a version that is not PEP 440 is not refused but ordered as pip's
 *   `LegacyVersion` did: before every PEP 440 version (`pep440-legacy.ts`).
 */
import { compare, valid } from '@renovatebot/pep440'
import { InvalidVersionError } from './errors.js'
import { checkVersionString } from './input.js'
import { sign, type Ordering } from './ordering.js'
import { compareLegacy } from './pep440-legacy.js'

const ECOSYSTEM = 'PyPI'
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER)
const NUMBERS = /[0-9]+/g
const LOCAL_SEPARATOR = /[-_.]/
const ALL_DIGITS = /^[0-9]+$/

/** Whether the version is PEP 440 (leading `v`, any case and the alternative spellings allowed, no surrounding whitespace). */
export function isValidPep440 (version: string): boolean {
  try {
    checkVersionString(ECOSYSTEM, version)
  } catch {
    return false
  }
  return valid(version) !== null
}

/** Orders two PyPI versions; throws `InvalidVersionError` only for the shared limits and for PEP 440 numbers beyond 2^53 - 1. */
export function comparePep440 (a: string, b: string): Ordering {
  checkVersionString(ECOSYSTEM, a)
  checkVersionString(ECOSYSTEM, b)
  const aIsPep440 = valid(a) !== null
  const bIsPep440 = valid(b) !== null
  if (aIsPep440 && bIsPep440) return compareValid(a, b)
  if (aIsPep440 !== bIsPep440) return aIsPep440 ? 1 : -1
  return compareLegacy(a, b)
}

function compareValid (a: string, b: string): Ordering {
  const [aPublic, aLocal] = splitLocal(a)
  const [bPublic, bLocal] = splitLocal(b)
  checkExact(a, aPublic)
  checkExact(b, bPublic)
  return sign(compare(aPublic, bPublic)) || compareLocal(aLocal, bLocal)
}

function splitLocal (version: string): [string, string | undefined] {
  const plus = version.indexOf('+')
  return plus === -1 ? [version, undefined] : [version.slice(0, plus), version.slice(plus + 1)]
}

function checkExact (version: string, publicPart: string): void {
  for (const [digits] of publicPart.matchAll(NUMBERS)) {
    if (BigInt(digits) > MAX_EXACT) {
      throw new InvalidVersionError(ECOSYSTEM, version, 'it has a number above 2^53 - 1, which cannot be ordered exactly')
    }
  }
}

/**
 * PEP 440 local versions: none sorts before any; segments compare in turn,
 * numbers as integers, words case-insensitively and before numbers; a
 * shorter run of equal segments sorts first.
 */
function compareLocal (a: string | undefined, b: string | undefined): Ordering {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1
  const as = a.toLowerCase().split(LOCAL_SEPARATOR)
  const bs = b.toLowerCase().split(LOCAL_SEPARATOR)
  const n = Math.min(as.length, bs.length)
  for (let i = 0; i < n; i++) {
    const r = compareLocalSegment(as[i] ?? '', bs[i] ?? '')
    if (r !== 0) return r
  }
  return sign(as.length - bs.length)
}

function compareLocalSegment (x: string, y: string): Ordering {
  const xNumber = ALL_DIGITS.test(x)
  const yNumber = ALL_DIGITS.test(y)
  if (xNumber && yNumber) {
    const bx = BigInt(x)
    const by = BigInt(y)
    return bx < by ? -1 : bx > by ? 1 : 0
  }
  if (xNumber !== yNumber) return xNumber ? 1 : -1
  return x < y ? -1 : x > y ? 1 : 0
}
