import t, { type Test } from 'tap'
import {
  compareApk, compareDpkg, comparePep440, compareSemver, DPKG_MAX_EPOCH, isValidApk, isValidDpkg, isValidPep440,
  isValidSemver, parseDpkg, parseSemver, type Ordering
} from '../../../src/threat/index.js'

/** Asserts that `versions` are in strictly increasing order, every pair both ways round. */
function increasing (t: Test, compare: (a: string, b: string) => Ordering, versions: string[], message = versions.join(' < ')): void {
  const failures: string[] = []
  versions.forEach((a, i) => versions.forEach((b, j) => {
    const want = Math.sign(i - j)
    if (compare(a, b) !== want) failures.push(`${a} vs ${b}: got ${compare(a, b)}, want ${want}`)
  }))
  t.same(failures, [], message)
}

/** Asserts that every version of `versions` is the same version. */
function same (t: Test, compare: (a: string, b: string) => Ordering, versions: string[]): void {
  const failures = versions.flatMap(a => versions.filter(b => compare(a, b) !== 0).map(b => `${a} != ${b}`))
  t.same(failures, [], versions.join(' = '))
}

t.test('Debian: dpkg order', async t => {
  // Debian policy 5.6.12's own example, then letters before other characters, then the revision.
  increasing(t, compareDpkg, ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0+', '1.0.', '1.0.1'])
  increasing(t, compareDpkg, ['1.2.3-1~deb7u1', '1.2.3-1', '1.2.3-1a', '1.2.3-1+deb9u1', '1.2.3-2', '1.2.3-10', '1.2.4~rc1-1', '1.2.4-1'])
  increasing(t, compareDpkg, ['9.9', '1:0.1', '1:0.1-1', '2:0', `${DPKG_MAX_EPOCH}:0`])
  same(t, compareDpkg, ['1.0', '1.0-0', '0:1.0-0', '00:1.0-00', '1.00-0'])
  same(t, compareDpkg, ['1.01', '1.1', '1.001'])
})

t.test('Debian: numbers of any length compare exactly', async t => {
  // Equal as floating-point numbers, different as integers.
  t.equal(compareDpkg('1.9007199254740993', '1.9007199254740992'), 1)
  t.equal(compareDpkg('1.' + '9'.repeat(40), '1.1' + '0'.repeat(40)), -1)
  t.equal(compareDpkg('1.' + '0'.repeat(100) + '5', '1.5'), 0)
  t.equal(compareDpkg('2.' + '1'.repeat(200), '2.' + '1'.repeat(199) + '2'), -1)
})

t.test('Debian: parseDpkg splits as dpkg does', async t => {
  t.same(parseDpkg('1.0'), { epoch: 0, upstream: '1.0', revision: '' })
  t.same(parseDpkg('2:1.2-3-4'), { epoch: 2, upstream: '1.2-3', revision: '4' }, 'the revision follows the last hyphen')
  t.same(parseDpkg('1:2:3-4'), { epoch: 1, upstream: '2:3', revision: '4' }, 'the epoch precedes the first colon')
  t.same(parseDpkg('007:1'), { epoch: 7, upstream: '1', revision: '' })
  t.ok(isValidDpkg('a1.0'), 'dpkg only warns when upstream does not start with a digit, and orders it')
  t.equal(compareDpkg('a', '1'), 1)
})

t.test('Debian: malformed versions are refused', async t => {
  const refused: Record<string, string> = {
    ':1.0': 'the epoch is empty',
    'a:1.0': 'the epoch is not a number',
    '+1:1.0': 'the epoch is not a number',
    '-1:1.0': 'the epoch is not a number',
    [`${DPKG_MAX_EPOCH + 1}:1.0`]: `the epoch is larger than ${DPKG_MAX_EPOCH}`,
    ['9'.repeat(30) + ':1.0']: `the epoch is larger than ${DPKG_MAX_EPOCH}`,
    '1:': 'nothing after the epoch colon',
    '1.0-': 'the revision is empty',
    '-1': 'the upstream version is empty',
    '1:-1': 'the upstream version is empty',
    '1.0_1': 'the upstream version has a character other than A-Z a-z 0-9 . + ~ : -',
    '1.0!': 'the upstream version has a character other than A-Z a-z 0-9 . + ~ : -',
    '1.0-1_2': 'the revision has a character other than A-Z a-z 0-9 . + ~',
    '1:1.0-1:2': 'the revision has a character other than A-Z a-z 0-9 . + ~'
  }
  for (const [version, reason] of Object.entries(refused)) {
    t.throws(() => compareDpkg(version, '1.0'), { name: 'InvalidVersionError', ecosystem: 'Debian', reason }, version)
    t.notOk(isValidDpkg(version))
  }
})

t.test('Alpine: apk order', async t => {
  increasing(t, compareApk, ['1.0_alpha', '1.0_alpha1', '1.0_beta', '1.0_pre', '1.0_rc1', '1.0', '1.0_cvs', '1.0_svn', '1.0_git', '1.0_hg', '1.0_p1', '1.0a', '1.0b', '1.1'])
  increasing(t, compareApk, ['1.0', '1.0-r0', '1.0-r1', '1.0-r10', '1.0.1_rc1', '1.0.1'])
  increasing(t, compareApk, ['1.0.0_alpha1_pre2', '1.0.0_alpha1', '1.0.0_alpha1_p1', '1.0.0'])
  // apk-tools 3 test vectors (test/unit/version.data) beyond go-apk-version.version.data.
  increasing(t, compareApk, ['6.0_pre1', '6.0', '6.0_p1'])
  increasing(t, compareApk, ['6.1_pre1', '6.1', '6.1_p1'])
  increasing(t, compareApk, ['8.2.0', '8.2.001'])
  increasing(t, compareApk, ['8.2.0015', '8.2.002'])
  increasing(t, compareApk, ['1.0~1234', '1.0~1234-r1', '1.0~2345-r0'])
  // A component with a leading zero compares as a string: a decimal fraction.
  increasing(t, compareApk, ['1.001', '1.01', '1.1', '1.10'])
  same(t, compareApk, ['1.2.3-r01', '1.2.3-r1'])
  same(t, compareApk, ['006', '6'])
})

t.test('Alpine: numbers of any length compare exactly', async t => {
  increasing(t, compareApk, ['1.0.0_pre20191002222144-r0', '1.0.0_pre20210530193627-r0'])
  increasing(t, compareApk, ['1.' + '9'.repeat(30), '1.1' + '0'.repeat(30), '2'])
  increasing(t, compareApk, ['1-r18446744073709551615', '1-r18446744073709551616'], 'past 2^64, where apk wraps')
})

t.test('Alpine: isValidApk is apk_version_validate', async t => {
  // apk-tools 3 test vectors (test/unit/version.data).
  const valid = ['1.2', '0.1_pre2', '0.1_pre2~1234abcd', '0.1_p1_pre2', '0.1_alpha1_pre2', '0.1_git20240101_pre1', '1.2.3b-r4']
  const invalid = ['0.1bc', '0.1bc1', '0.1a1', '0.1a.1', '0.1_pre2~', '0.1_pre2~1234xbcd', '0.1_pre2~1234abcd_pre1',
    '0.1_pre2-r1~1234xbcd', '0.1_foobar', '0.1_foobar1', '0.1-pre1.1', '0.1-r', '0.1-r2_pre1', '0.1-r2_p3_pre1', '0.1-r2-r3',
    '0.1-r2.1', '.1', 'a', '_pre1', '-r1', '0.1_', '0.1_-r0', '0.1__alpha', '0.1_1_alpha', '', ' 1.2', '1.2é']
  t.same(valid.filter(v => !isValidApk(v)), [], 'valid')
  t.same(invalid.filter(v => isValidApk(v)), [], 'invalid')
})

t.test('Alpine: versions apk calls invalid are still ordered, as apk orders them', async t => {
  t.equal(compareApk('1.0', '1.0bc'), -1)
  t.equal(compareApk('1.2', '1.2_blah'), 1)
  t.equal(compareApk('23_foo', '4_beta'), 1)
  t.equal(compareApk('a', 'b'), 0, 'both invalid from the start')
})

t.test('npm: strict semver', async t => {
  increasing(t, compareSemver, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'])
  same(t, compareSemver, ['1.2.3', 'v1.2.3', '1.2.3+build.1', 'v1.2.3+other'])
  t.equal(compareSemver('9007199254740991.0.0', '1.0.0'), 1)
  t.equal(parseSemver('v1.2.3-rc.1+b').version, '1.2.3-rc.1')
  for (const version of ['1.2', '1', '1.2.3.4', '=1.2.3', 'v 1.2.3', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '~1.2.3', '^1.2.3', '1.x', '9007199254740992.0.0', 'latest']) {
    t.throws(() => compareSemver(version, '1.0.0'), { name: 'InvalidVersionError', ecosystem: 'npm' }, version)
    t.notOk(isValidSemver(version))
  }
})

t.test('PyPI: PEP 440 order', async t => {
  // The order in PEP 440's summary of permitted suffixes.
  increasing(t, comparePep440, ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2',
    '1.0b2.post345.dev456', '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5',
    '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1', '1!0.1'])
  same(t, comparePep440, ['1.0', '1.0.0', '1', 'v1.0', 'V1.0.0'])
  same(t, comparePep440, ['1.0a1', '1.0alpha1', '1.0.a.1', '1.0-a1', '1.0_a_1', '1.0A1'])
  same(t, comparePep440, ['1.0rc1', '1.0c1', '1.0pre1', '1.0preview1', '1.0RC1'])
  same(t, comparePep440, ['1.0.post1', '1.0post1', '1.0-1', '1.0.rev1', '1.0-r1', '1.0-post-1'])
  same(t, comparePep440, ['1.0+ubuntu.1', '1.0+UBUNTU-1', '1.0+ubuntu_1'])
})

t.test('PyPI: local segments compare exactly', async t => {
  // @renovatebot/pep440 alone reads `1e5`, `0x1f` and `Infinity` as numbers.
  increasing(t, comparePep440, ['1.0', '1.0+1e5', '1.0+2'])
  increasing(t, comparePep440, ['1.0+0x1f', '1.0+abc'])
  increasing(t, comparePep440, ['1.0+Infinity', '1.0+9'])
  increasing(t, comparePep440, ['1.0+9007199254740992', '1.0+9007199254740993', '1.0+' + '9'.repeat(40)])
})

t.test('PyPI: PEP 440 numbers past 2^53 - 1 are refused, not misordered', async t => {
  t.equal(comparePep440('1.9007199254740991', '1.9007199254740990'), 1)
  for (const version of ['1.9007199254740993', '9007199254740993!1.0', '1.0a9007199254740993', '1.0.post' + '9'.repeat(20)]) {
    t.throws(() => comparePep440(version, '1.0'), { name: 'InvalidVersionError', ecosystem: 'PyPI' }, version)
  }
  t.equal(comparePep440('1.' + '0'.repeat(30) + '1', '1.1'), 0, 'leading zeros do not count')
})

t.test('PyPI: versions that are not PEP 440 sort first, as pip\'s LegacyVersion did', async t => {
  t.notOk(isValidPep440('0.1-bulbasaur'))
  t.ok(isValidPep440('1.0.post1'))
  // The order pip 22 (packaging 21) gives; the words are setuptools': pre-release ones before the final release.
  increasing(t, comparePep440, ['bar', 'foo', '0.1-bulbasaur', '0.1-charmander', '0.9-doduo', '1.0.x-dev', '1.0.x-alpha',
    '1.0.x-beta', '1.0.x-c', '1.0.x', '1.0.x-final', '1.0.x-openbsd', '2.0-zubat', '3.7-openbsd', '3.7z', '3.8z', '0.0.0.dev0', '0!0'])
  same(t, comparePep440, ['1.0.x-rc', '1.0.x-pre', '1.0.x-preview', '1.0.x-c'])
  same(t, comparePep440, ['foo', 'FOO', 'foo.0', 'foo.0.0'])
})
