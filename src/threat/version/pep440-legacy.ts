/**
 * The order pip gave versions that are not PEP 440 (`LegacyVersion` in
 * `packaging` before 22.0, itself setuptools' older `parse_version`): they
 * all sort before every PEP 440 version, and among themselves by a key of
 * zero-padded numbers and starred words.
 */
import type { Ordering } from './ordering.js'

/** `_legacy_version_component_re`: the string splits into numbers, words, `.` and `-`, keeping what lies between. */
const COMPONENT = /(\d+|[a-z]+|\.|-)/
const REPLACEMENTS = new Map([['pre', 'c'], ['preview', 'c'], ['-', 'final-'], ['rc', 'c'], ['dev', '@']])
const PADDED_ZERO = '00000000'

/** `_parse_version_parts`. */
function * parts (version: string): Generator<string> {
  for (const raw of version.split(COMPONENT)) {
    const part = REPLACEMENTS.get(raw) ?? raw
    if (part === '' || part === '.') continue
    // Numbers are padded so that string comparison orders them (up to 8 digits, as in pip).
    if (part[0] !== undefined && part[0] >= '0' && part[0] <= '9') yield part.padStart(8, '0')
    else yield '*' + part
  }
  // So that alpha, beta and candidate sort before the final release.
  yield '*final'
}

/** `_legacy_cmpkey` without its constant epoch of -1. */
export function legacyKey (version: string): string[] {
  const key: string[] = []
  for (const part of parts(version.toLowerCase())) {
    if (part.startsWith('*')) {
      // A "-" before a pre-release word goes, and trailing zeros of each run of numbers.
      if (part < '*final') {
        while (key.at(-1) === '*final-') key.pop()
      }
      while (key.at(-1) === PADDED_ZERO) key.pop()
    }
    key.push(part)
  }
  return key
}

/** Python's ordering of two tuples of strings (the strings are ASCII here, so code units are code points). */
export function compareLegacy (a: string, b: string): Ordering {
  const ka = legacyKey(a)
  const kb = legacyKey(b)
  const n = Math.min(ka.length, kb.length)
  for (let i = 0; i < n; i++) {
    const x = ka[i] ?? ''
    const y = kb[i] ?? ''
    if (x !== y) return x < y ? -1 : 1
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1
}
