/**
 * Alpine (apk) versions: `number{.number}[letter]{_suffix[number]}[~hash][-rN]`,
 * compared as apk-tools 3 compares them (`apk_version_compare`,
 * src/version.c): token by token; a number after a dot that starts with
 * `0` compares as a string (`1.05 < 1.1`); suffixes rank `alpha`, `beta`,
 * `pre`, `rc`, (none), `cvs`, `svn`, `git`, `hg`, `p`; when one version
 * runs out first, the longer one is newer unless it goes on with a
 * pre-release suffix.
 *
 * apk-tools 2.x, in older Alpine releases and ported by go-apk-version,
 * agrees on its own test vectors but not everywhere: it puts `1.0_rc1`
 * after `1.0` (a zero component hides the suffix), orders zero-padded
 * components differently (`8.2.0` > `8.2.001`), and orders some invalid
 * versions differently. apk-tools 3 fixed the first two.
 *
 * apk orders any string, including ones its `apk_version_validate` refuses
 * (`1.0bc`, `1.2_blah`): it compares up to the first invalid token and
 * decides from there. `compareApk` does the same; `isValidApk` says whether
 * apk considers a version valid. Two deliberate differences from the C
 * code: numbers are compared exactly however long (C wraps them at 2^64),
 * and strings outside printable ASCII are refused.
 */
import { checkVersionString } from './input.js'
import type { Ordering } from './ordering.js'

const ECOSYSTEM = 'Alpine'

// Token types in apk's order, which the grammar checks and the final tie-break use.
const INITIAL_DIGIT = 0
const DIGIT = 1
const LETTER = 2
const SUFFIX = 3
const SUFFIX_NO = 4
const COMMIT_HASH = 5
const REVISION_NO = 6
const END = 7
const INVALID = 8

/** Suffix ranks; 5 is "no suffix": below it are pre-releases, above it post-releases. */
const SUFFIX_RANK = new Map([['alpha', 1], ['beta', 2], ['pre', 3], ['rc', 4], ['cvs', 6], ['svn', 7], ['git', 8], ['hg', 9], ['p', 10]])
const NO_SUFFIX = 5

const LOWER = /[a-z]/
const HEX = /[0-9a-f]/
const DIGITS = /[0-9]/

/** apk's `token_state`: a cursor over a version and the token it last read. */
class Tokens {
  type = INITIAL_DIGIT
  value = ''
  number = 0n
  suffix = 0
  private i = 0

  constructor (private readonly s: string) {
    this.digits()
  }

  /** `token_next`: reads the next token, or marks the version ended or invalid. */
  next (): void {
    const c = this.s[this.i]
    if (c === undefined) {
      this.type = END
      return
    }
    if (LOWER.test(c)) {
      if (this.type > DIGIT) return this.invalid()
      this.value = c
      this.type = LETTER
      this.i++
    } else if (c === '.' || DIGITS.test(c)) {
      if (c === '.') {
        if (this.type > DIGIT) return this.invalid()
        this.i++
      }
      if (this.type === INITIAL_DIGIT || this.type === DIGIT) this.type = DIGIT
      else if (this.type === SUFFIX) this.type = SUFFIX_NO
      else return this.invalid()
      this.digits()
    } else if (c === '_') {
      if (this.type > SUFFIX_NO) return this.invalid()
      this.i++
      this.value = this.span(LOWER)
      const rank = SUFFIX_RANK.get(this.value)
      if (rank === undefined) return this.invalid()
      this.suffix = rank
      this.type = SUFFIX
    } else if (c === '~') {
      if (this.type >= COMMIT_HASH) return this.invalid()
      this.i++
      this.value = this.span(HEX)
      if (this.value === '') return this.invalid()
      this.type = COMMIT_HASH
    } else if (c === '-') {
      if (this.type >= REVISION_NO || this.s[this.i + 1] !== 'r') return this.invalid()
      this.i += 2
      this.type = REVISION_NO
      this.digits()
    } else {
      this.invalid()
    }
  }

  /** `token_parse_digits`: a run of digits, invalid if empty. */
  private digits (): void {
    this.value = this.span(DIGITS)
    this.number = this.value === '' ? 0n : BigInt(this.value)
    if (this.value === '') this.type = INVALID
  }

  private span (chars: RegExp): string {
    const start = this.i
    while (this.i < this.s.length && chars.test(this.s[this.i] ?? '')) this.i++
    return this.s.slice(start, this.i)
  }

  private invalid (): void {
    this.type = INVALID
  }
}

/** `apk_blob_sort` on ASCII: byte order, a prefix first. */
function compareStrings (a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareNumbers (a: bigint, b: bigint): Ordering {
  return a < b ? -1 : a > b ? 1 : 0
}

/** `token_cmp`, for two tokens of the same type. */
function compareTokens (a: Tokens, b: Tokens): Ordering {
  switch (a.type) {
    case DIGIT:
      // As in Gentoo: a component with a leading zero is a decimal fraction, compared as a string.
      if (a.value.startsWith('0') || b.value.startsWith('0')) return compareStrings(a.value, b.value)
      return compareNumbers(a.number, b.number)
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareNumbers(a.number, b.number)
    case SUFFIX:
      return compareNumbers(BigInt(a.suffix), BigInt(b.suffix))
    default:
      // Letters and commit hashes.
      return compareStrings(a.value, b.value)
  }
}

/** `apk_version_validate`: whether apk considers the version well formed. */
export function isValidApk (version: string): boolean {
  try {
    checkVersionString(ECOSYSTEM, version)
  } catch {
    return false
  }
  const t = new Tokens(version)
  while (t.type < END) t.next()
  return t.type === END
}

/**
 * Orders two Alpine versions as apk does, valid or not; throws
 * `InvalidVersionError` only for strings no apk version can be (empty, too
 * long, not printable ASCII).
 */
export function compareApk (a: string, b: string): Ordering {
  checkVersionString(ECOSYSTEM, a)
  checkVersionString(ECOSYSTEM, b)
  const ta = new Tokens(a)
  const tb = new Tokens(b)
  for (; ta.type === tb.type && ta.type < END; ta.next(), tb.next()) {
    const r = compareTokens(ta, tb)
    if (r !== 0) return r
  }
  // Both ended, or both turned invalid, at the same token.
  if (ta.type === tb.type) return 0
  // One goes on: it is newer unless what follows is a pre-release suffix.
  if (ta.type === SUFFIX && ta.suffix < NO_SUFFIX) return -1
  if (tb.type === SUFFIX && tb.suffix < NO_SUFFIX) return 1
  return ta.type > tb.type ? -1 : 1
}
