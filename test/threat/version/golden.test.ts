import t from 'tap'
import { compareVersions, type Ordering } from '../../../src/threat/index.js'
import { GOLDEN_FILES, readGolden } from './golden.js'
import { withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

/** Comparisons per file, so that a parse that drops lines cannot pass. */
const LINES: Record<string, number> = {
  'osv-scalibr.debian-versions.txt': 30,
  'osv-scalibr.alpine-versions.txt': 778,
  'go-apk-version.version.data': 728,
  'osv-scalibr.semver-versions.txt': 86,
  'osv-scalibr.pypi-versions.txt': 37
}

interface Divergence {
  /** What compareVersions answers instead of the file's answer. */
  result: Ordering | 'InvalidVersionError'
  why: string
}

const APK_2 = 'apk-tools 2.x behaviour for versions apk-tools 3 (which compareApk follows) calls invalid; apk-tools 3 answers this'
const NOT_NPM = 'not a version npm\'s semver accepts, so refused; osv-scalibr\'s own semver-like parser orders it'

/**
 * Golden lines that do not pass, and why: each encodes another tool's
 * answer, not apk-tools 3's or npm semver's. Nothing in src special-cases
 * them; each is asserted to give the answer noted here, so the list cannot
 * go stale unnoticed.
 *
 * The Alpine ones all involve versions apk calls invalid. For those the
 * file mixes apk-tools 2.x answers with apk-tools 3 ones (its comments mark
 * 7 lines as apk-tools 3), so no single apk passes it all: following
 * apk-tools 2.x instead would fail 8 other lines, 6 of those 7 among them.
 */
const DIVERGENCES: Record<string, Record<string, Divergence>> = {
  'osv-scalibr.alpine-versions.txt': {
    '1-r = 1-r0': { result: -1, why: APK_2 },
    '0..1..0 < 0..1..1': { result: 0, why: APK_2 },
    '0...1...0 < 0...1...1': { result: 0, why: APK_2 },
    '0...1...0.r1 < 0...1...0.r2': { result: 0, why: APK_2 },
    '0...1...0r1 < 0...1...0r2': { result: 0, why: APK_2 },
    '0..8 > 0...8': { result: 0, why: APK_2 },
    '0.8.21.r2 > 0.8.21.r1': { result: 0, why: APK_2 },
    '6.6.2p1 < 6.6.2p2': { result: 0, why: APK_2 },
    '1-r0-1 = 1-r-2': { result: 1, why: APK_2 },
    '.2 > .1': { result: 0, why: APK_2 },
    'a < b': { result: 0, why: APK_2 },
    'c > b': { result: 0, why: APK_2 }
  },
  'osv-scalibr.semver-versions.txt': {
    '999999999999999999999999999991 < 999999999999999999999999999999': { result: 'InvalidVersionError', why: `${NOT_NPM}: one component, above 2^53 - 1` },
    '999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991 < 999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991': { result: 'InvalidVersionError', why: `${NOT_NPM}: numbers above 2^53 - 1` },
    '1.1.3.4.5 = 1.1.3.4.5': { result: 'InvalidVersionError', why: `${NOT_NPM}: five components` }
  }
}

function outcome (run: () => Ordering): Ordering | string {
  try {
    return run()
  } catch (err) {
    return err instanceof Error ? err.name : String(err)
  }
}

for (const { file, ecosystem } of GOLDEN_FILES) {
  test(`${file} (${ecosystem})`, async t => {
    const lines = readGolden(file)
    const divergences = DIVERGENCES[file] ?? {}
    t.equal(lines.length, LINES[file], 'every comparison in the file is read')

    const failures: string[] = []
    const diverged: string[] = []
    let passed = 0
    for (const { text, lineNumber, a, b, expected } of lines) {
      const divergence = divergences[text]
      const forward = outcome(() => compareVersions(ecosystem, a, b))
      if (divergence !== undefined) {
        diverged.push(text)
        if (forward !== divergence.result) failures.push(`line ${lineNumber}: ${text}: got ${forward}, noted ${divergence.result} (${divergence.why})`)
        continue
      }
      const backward = outcome(() => compareVersions(ecosystem, b, a))
      if (forward === expected && backward === -expected) passed++
      else failures.push(`line ${lineNumber}: ${text}: got ${forward}, reversed ${backward}`)
    }
    t.same(failures, [], 'every line gives the file\'s answer, both ways round, or its noted divergence')
    t.same(diverged.sort(), Object.keys(divergences).sort(), 'every noted divergence is a line of the file')
    t.equal(passed, lines.length - diverged.length)
    t.comment(`${passed} of ${lines.length} lines pass; ${diverged.length} diverge as noted`)
  })
}
