/**
 * The golden comparison files in `shared/data/threat/version-golden/`
 * (see PROVENANCE.md there), read in place: one `a <op> b` a line, op one of
 * `<`, `=`, `>`; blank lines and lines starting with `#` or `//` are
 * comments, and so is a trailing `# ...` after whitespace. A line that fits
 * none of these throws, so nothing is skipped silently.
 */
import { pathToFileURL } from 'node:url'
import { THREAT_DIR } from '../../utils/shared-data.js'
import { readFileSync } from 'node:fs'
import type { Ecosystem, Ordering } from '../../../src/threat/index.js'

export const GOLDEN_DIR = pathToFileURL((THREAT_DIR ?? '/nonexistent/') + 'version-golden/')

export interface GoldenLine {
  /** The comparison as written, trailing comment removed. */
  text: string
  lineNumber: number
  a: string
  b: string
  expected: Ordering
}

export interface GoldenFile {
  file: string
  ecosystem: Ecosystem
}

/** Every golden file in scope (the Red Hat one is not: no RPM ecosystem here). */
export const GOLDEN_FILES: readonly GoldenFile[] = [
  { file: 'osv-scalibr.debian-versions.txt', ecosystem: 'Debian' },
  { file: 'osv-scalibr.alpine-versions.txt', ecosystem: 'Alpine' },
  { file: 'go-apk-version.version.data', ecosystem: 'Alpine' },
  { file: 'osv-scalibr.semver-versions.txt', ecosystem: 'npm' },
  { file: 'osv-scalibr.pypi-versions.txt', ecosystem: 'PyPI' }
]

const OPS: Record<string, Ordering> = { '<': -1, '=': 0, '>': 1 }

export function readGolden (file: string): GoldenLine[] {
  const lines: GoldenLine[] = []
  readFileSync(new URL(file, GOLDEN_DIR), 'utf8').split('\n').forEach((raw, i) => {
    const text = raw.replace(/\s+#.*$/, '').trim()
    if (text === '' || text.startsWith('#') || text.startsWith('//')) return
    const fields = text.split(/\s+/)
    const [a, op, b] = fields
    const expected = op === undefined ? undefined : OPS[op]
    if (fields.length !== 3 || a === undefined || b === undefined || expected === undefined) {
      throw new Error(`${file}:${i + 1}: not a comparison: ${JSON.stringify(raw)}`)
    }
    lines.push({ text, lineNumber: i + 1, a, b, expected })
  })
  return lines
}

/** Every version a golden file mentions, without repeats. */
export function goldenVersions (file: string): string[] {
  return [...new Set(readGolden(file).flatMap(l => [l.a, l.b]))]
}

/** mulberry32: a small seeded PRNG, so a random test can be replayed from its seed. */
export function prng (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6D2B79F5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
