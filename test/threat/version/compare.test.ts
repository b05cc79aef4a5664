import { readFileSync } from 'node:fs'
import t from 'tap'
import {
  compareApk, compareDpkg, comparePep440, compareSemver, compareVersions, ECOSYSTEMS, ERROR_QUOTE_LENGTH,
  InvalidVersionError, isOrderable, MAX_ECOSYSTEM_LENGTH, MAX_VERSION_LENGTH, parseEcosystem, UnsupportedEcosystemError, type EcosystemName
} from '../../../src/threat/index.js'

t.test('compareVersions dispatches on the ecosystem', async t => {
  // The same pair orders differently: a semver pre-release, a Debian revision.
  t.equal(compareVersions('npm', '1.0.0-rc.1', '1.0.0'), -1)
  t.equal(compareVersions('Debian', '1.0.0-rc.1', '1.0.0'), 1)
  t.equal(compareVersions('PyPI', '1.0.0-rc.1', '1.0.0'), -1)
  t.equal(compareVersions('Alpine', '1.0.0_rc1', '1.0.0'), -1)
  const pairs: Array<[EcosystemName, (a: string, b: string) => number, string, string]> = [
    ['Debian', compareDpkg, '1:1.0-1', '2.0'],
    ['Alpine', compareApk, '1.2.3-r1', '1.2.3'],
    ['npm', compareSemver, '1.2.3', '1.2.4'],
    ['PyPI', comparePep440, '1.0.post1', '1.0']
  ]
  for (const [ecosystem, compare, a, b] of pairs) {
    t.equal(compareVersions(ecosystem, a, b), compare(a, b), `${ecosystem}: ${a} vs ${b}`)
    t.equal(compareVersions(ecosystem, b, a), compare(b, a))
  }
})

t.test('an OSV release suffix is accepted and ignored', async t => {
  t.equal(compareVersions('Debian:12', '1.2.3-1~deb12u1', '1.2.3-1'), -1)
  t.equal(compareVersions('Debian:7', '1.2.3-1~deb7u1', '1.2.3-1'), -1)
  t.equal(compareVersions('Alpine:v3.19', '1.1.1w-r0', '1.1.1v-r1'), 1)
  t.equal(compareVersions('Alpine:v3.15', '3.0.0_alpha1', '3.0.0'), -1)
  t.equal(compareVersions('PyPI:anything', '2.0', '10.0'), -1)
  t.equal(compareVersions('npm:x', '2.0.0', '10.0.0'), -1)
  for (const name of ECOSYSTEMS) {
    t.equal(parseEcosystem(name), name)
    t.equal(parseEcosystem(`${name}:1`), name)
  }
  t.equal(parseEcosystem('Alpine:v3.19'), 'Alpine')
})

t.test('unknown ecosystems are refused by name', async t => {
  const refused = ['Ubuntu:22.04', 'debian', 'DEBIAN:12', 'pypi', 'NPM', 'Go', '', ':12', 'Debian:', 'Debian: 12', 'Debian:\n',
    'Debian:' + '1'.repeat(MAX_ECOSYSTEM_LENGTH), 'Alpine ', ' npm']
  for (const name of refused) {
    t.throws(() => compareVersions(name as EcosystemName, '1', '1'), { name: 'UnsupportedEcosystemError' }, JSON.stringify(name))
    t.throws(() => isOrderable(name as EcosystemName, '1'), { name: 'UnsupportedEcosystemError' })
  }
  t.throws(() => compareVersions(undefined as unknown as EcosystemName, '1', '1'), { name: 'UnsupportedEcosystemError' })
  t.throws(() => compareVersions('Ubuntu:22.04' as EcosystemName, '1', '1'), {
    message: 'unsupported ecosystem "Ubuntu:22.04": expected one of Debian, Alpine, npm, PyPI, optionally followed by ":<release>"'
  })
  const long = 'X'.repeat(1000)
  const err = t.throws(() => parseEcosystem(long), { name: 'UnsupportedEcosystemError' }) as UnsupportedEcosystemError
  t.ok(err.message.length < 300, 'the message stays short')
  t.match(err.message, '(1000 characters)')
  t.equal(err.ecosystem, 'X'.repeat(ERROR_QUOTE_LENGTH))
})

/** A description safe to print in TAP output. */
function printable (s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const LONGEST: Record<string, string> = {
  Debian: '1.' + '0'.repeat(MAX_VERSION_LENGTH - 2),
  Alpine: '1.' + '0'.repeat(MAX_VERSION_LENGTH - 2),
  npm: '1.0.0-' + 'a'.repeat(MAX_VERSION_LENGTH - 6),
  PyPI: '1.' + '0'.repeat(MAX_VERSION_LENGTH - 2)
}

t.test(`versions of more than ${MAX_VERSION_LENGTH} characters are refused`, async t => {
  t.equal(MAX_VERSION_LENGTH, 256)
  for (const ecosystem of ECOSYSTEMS) {
    const longest = LONGEST[ecosystem] ?? ''
    t.equal(longest.length, MAX_VERSION_LENGTH)
    t.equal(compareVersions(ecosystem, longest, longest), 0, `${ecosystem}: ${MAX_VERSION_LENGTH} characters are fine`)
    const tooLong = longest + '1'
    t.throws(() => compareVersions(ecosystem, tooLong, '1'), { name: 'InvalidVersionError', reason: `longer than ${MAX_VERSION_LENGTH} characters` })
    t.throws(() => compareVersions(ecosystem, '1', tooLong), { name: 'InvalidVersionError' })
    t.notOk(isOrderable(ecosystem, tooLong))
    t.throws(() => compareVersions(ecosystem, '1' + 'x'.repeat(100_000), '1'), { name: 'InvalidVersionError' })
  }
})

t.test('strings no version can be are refused in every ecosystem', async t => {
  const refused = ['', ' 1.0.0', '1.0.0 ', '1.0.0\n', '1.0.0\t', '1 .0.0', '1.0.0\u0000', '1.0.0é', '1.0.0\u{1F600}', '1.0.0\u2028']
  for (const ecosystem of ECOSYSTEMS) {
    for (const version of refused) {
      const err = t.throws(() => compareVersions(ecosystem, version, '1.0.0'), { name: 'InvalidVersionError' }, `${ecosystem}: ${printable(version)}`) as Error
      t.match(err.message, /^[\x20-\x7e]+$/, 'the message is printable ASCII')
      t.notOk(isOrderable(ecosystem, version))
    }
    t.throws(() => compareVersions(ecosystem, 1 as unknown as string, '1.0.0'), { name: 'InvalidVersionError', reason: 'not a string' })
    t.throws(() => compareVersions(ecosystem, null as unknown as string, '1.0.0'), { name: 'InvalidVersionError' })
  }
})

t.test('InvalidVersionError names the ecosystem and quotes the version, truncated', async t => {
  const err = t.throws(() => compareVersions('npm:x', 'not-a-version', '1.0.0')) as InvalidVersionError
  t.ok(err instanceof InvalidVersionError)
  t.equal(err.name, 'InvalidVersionError')
  t.equal(err.ecosystem, 'npm')
  t.equal(err.version, 'not-a-version')
  t.match(err.message, /^invalid npm version "not-a-version": /)

  const long = 'a'.repeat(1000) + '\n'
  const truncated = t.throws(() => compareVersions('Debian:12', long, '1')) as InvalidVersionError
  t.equal(truncated.ecosystem, 'Debian')
  t.equal(truncated.version, 'a'.repeat(ERROR_QUOTE_LENGTH))
  t.ok(truncated.message.length < 250, 'the message stays short')
  t.match(truncated.message, /\(1001 characters\)/)

  const control = t.throws(() => compareVersions('Alpine', '1.0\u001b[31m\nforged line', '1')) as InvalidVersionError
  t.notOk(control.message.includes('\n') || control.message.includes('\u001b'), 'control characters are escaped')
  t.match(control.message, '\\u001b[31m\\nforged line')
})

t.test('isOrderable says whether compareVersions can order a version', async t => {
  t.ok(isOrderable('Debian', '1:2.3-4'))
  t.notOk(isOrderable('Debian', '1.0_1'))
  t.ok(isOrderable('Alpine', '1.0bc'), 'apk orders versions it calls invalid')
  t.notOk(isOrderable('npm', '1.2'))
  t.ok(isOrderable('npm:x', 'v1.2.3'))
  t.ok(isOrderable('PyPI', 'not-pep-440'), 'legacy versions are ordered')
  t.notOk(isOrderable('PyPI', '1.9007199254740993'), 'a PEP 440 number past 2^53 - 1 is not')
})

t.test('the limits documented in index.ts are the constants', async t => {
  const doc = readFileSync(new URL('../../../src/threat/version/index.ts', import.meta.url), 'utf8')
  const stated = [...doc.matchAll(/(\d+) characters \(`MAX_VERSION_LENGTH`\)/g)]
  t.equal(stated.length, 1)
  t.equal(Number(stated[0]?.[1]), MAX_VERSION_LENGTH)
})

t.test('the package exports it as shoal/threat', async t => {
  const specifier: string = 'shoal/threat' // built output (dist), resolved through package.json "exports"
  const threat = await import(specifier) as { compareVersions: typeof compareVersions, ECOSYSTEMS: unknown }
  t.equal(threat.compareVersions('Debian', '1:1.0', '2.0'), 1)
  t.same(threat.ECOSYSTEMS, ECOSYSTEMS)
})
