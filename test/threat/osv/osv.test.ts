import t from 'tap'
import { THREAT_DIR, withThreatData } from '../../utils/shared-data.js'
import { readFileSync, readdirSync } from 'node:fs'
import { fixedVersion, isAffected, parseOsvRecord, type OsvAffected } from '../../../src/threat/osv/index.js'
import { compareVersions } from '../../../src/threat/version/index.js'

const DIR = THREAT_DIR ?? ''
const test = withThreatData(t)
const load = (f: string): unknown => JSON.parse(readFileSync(DIR + f, 'utf8'))
const cmp = (e: OsvAffected) => (a: string, b: string) => compareVersions(e.ecosystem as 'Debian', a, b)

test('every OSV fixture parses', async t => {
  const files = readdirSync(DIR).filter(f => f.startsWith('osv-') && !f.includes('schema'))
  t.ok(files.length >= 7)
  for (const f of files) t.doesNotThrow(() => parseOsvRecord(load(f)), f)
})

test('Debian: a DSA range, by the Debian source package and its version', async t => {
  const r = parseOsvRecord(load('osv-DSA-3029-1.debian-nginx.json'))
  const e = r.affected[0]!
  t.equal(e.ecosystem, 'Debian:7')
  t.ok(isAffected(e, '1.2.1-2.2+wheezy2', cmp(e)))
  t.notOk(isAffected(e, '1.2.1-2.2+wheezy3', cmp(e)), 'the fixed version is not affected')
  t.ok(isAffected(e, '1.2.1-2.2+wheezy3~rc1', cmp(e)), '~ sorts before: still affected')
  t.equal(fixedVersion(e, '1.2.1-2.2', cmp(e)), '1.2.1-2.2+wheezy3')
})

test('Alpine: per-release entries; npm: pre-release introduced and an open range; PyPI: versions only', async t => {
  const alpine = parseOsvRecord(load('osv-CVE-2018-5407.alpine-openssl.trimmed.json')).affected[0]!
  t.ok(isAffected(alpine, '1.0.2p-r0', cmp(alpine)))
  t.notOk(isAffected(alpine, '1.0.2q-r0', cmp(alpine)))
  t.notOk(isAffected(alpine, '1.0.2q-r1', cmp(alpine)))

  const npm = parseOsvRecord(load('osv-GHSA-75v8-2h7p-7m2m.npm-formidable.json'))
  const [a, open] = npm.affected as [OsvAffected, OsvAffected]
  t.ok(isAffected(a, '3.2.0', cmp(a)))
  t.ok(isAffected(a, '3.1.1-canary.20211030', cmp(a)), 'the pre-release that introduced it')
  t.notOk(isAffected(a, '3.1.0', cmp(a)))
  t.notOk(isAffected(a, '3.5.3', cmp(a)))
  t.ok(isAffected(open, '2.1.2', cmp(open)), 'introduced with no fix: every later version')
  t.notOk(isAffected(open, '2.0.9', cmp(open)))

  const pypi = parseOsvRecord(load('osv-GHSA-9v2f-6vcg-3hgv.pypi-versions-only.json')).affected[0]!
  t.ok(isAffected(pypi, '4.36.1', cmp(pypi)))
  t.notOk(isAffected(pypi, '4.36.2', cmp(pypi)))
})

test('last_affected and limit', async t => {
  const compare = (a: string, b: string): -1 | 0 | 1 => compareVersions('npm', a, b)
  const e = (events: object[]): OsvAffected => parseOsvRecord({ id: 'X', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'p' }, ranges: [{ type: 'SEMVER', events }] }] }).affected[0]!
  const last = e([{ introduced: '1.0.0' }, { last_affected: '1.2.0' }])
  t.ok(isAffected(last, '1.2.0', compare))
  t.notOk(isAffected(last, '1.2.1', compare))
  const limited = e([{ introduced: '0' }, { limit: '2.0.0' }])
  t.ok(isAffected(limited, '1.9.9', compare))
  t.notOk(isAffected(limited, '2.0.0', compare))
  const reintroduced = e([{ introduced: '1.0.0' }, { fixed: '1.1.0' }, { introduced: '2.0.0' }, { fixed: '2.0.5' }])
  t.same(['0.9.0', '1.0.5', '1.5.0', '2.0.1', '2.0.5'].map(v => isAffected(reintroduced, v, compare)), [false, true, false, true, false])
})

test('malformed records are refused naming the field', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [[], /JSON object/],
    [{ modified: 'x' }, /id/],
    [{ id: 'A', modified: 'x', affected: [{ package: { ecosystem: 'npm' } }] }, /package.name/],
    [{ id: 'A', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'p' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '1' }] }] }] }, /no introduced/],
    [{ id: 'A', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'p' }, ranges: [{ type: 'BAD', events: [{ introduced: '0' }] }] }] }, /type must be/],
    [{ id: 'A', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'p' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }] }] }, /exactly one/]
  ]
  for (const [v, re] of bad) t.throws(() => parseOsvRecord(v), { name: 'InvalidOsvRecordError', message: re })
  const withdrawn = parseOsvRecord({ id: 'W', modified: 'x', withdrawn: '2024-01-01T00:00:00Z' })
  t.equal(withdrawn.withdrawn, '2024-01-01T00:00:00Z', 'withdrawn is kept for the feed to skip')
})
