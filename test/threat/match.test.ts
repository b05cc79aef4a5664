import t from 'tap'
import { THREAT_DIR, withThreatData } from '../utils/shared-data.js'
import { readFileSync } from 'node:fs'
import { buildThreatDb, matchPackages, scoreFindings } from '../../src/threat/match.js'
import { parseOsvRecord } from '../../src/threat/osv/index.js'
import { parseKev } from '../../src/threat/feeds/index.js'

const DIR = THREAT_DIR ?? ''
const test = withThreatData(t)
const osv = (f: string): ReturnType<typeof parseOsvRecord> => parseOsvRecord(JSON.parse(readFileSync(DIR + f, 'utf8')))

test('OS packages match by source package and release; language packages by name', async t => {
  const db = buildThreatDb([
    osv('osv-DSA-3029-1.debian-nginx.json'),
    osv('osv-CVE-2018-5407.alpine-openssl.trimmed.json'),
    osv('osv-GHSA-75v8-2h7p-7m2m.npm-formidable.json'),
    osv('osv-PYSEC-2023-74.pypi-requests.json')
  ])
  const debian = matchPackages(db, [
    { ecosystem: 'Debian', name: 'nginx-common', version: '1.2.1-2.2+wheezy2', source: { name: 'nginx' } },
    { ecosystem: 'Debian', name: 'nginx-full', version: '1.2.1-2.2+wheezy3', source: { name: 'nginx' } }
  ], 'Debian:7')
  t.same(debian.map(f => [f.package, f.version, f.vulnerability, f.fixed]), [['nginx', '1.2.1-2.2+wheezy2', 'DSA-3029-1', '1.2.1-2.2+wheezy3']])
  t.same(matchPackages(db, [{ ecosystem: 'Debian', name: 'nginx', version: '1.2.1-2.2' }], 'Debian:12'), [], 'another release: no match')
  const alpine = matchPackages(db, [{ ecosystem: 'Alpine', name: 'libssl1.0', version: '1.0.2p-r0', source: { name: 'openssl' } }], 'Alpine:v3.4')
  t.equal(alpine.length, 1, 'by origin')
  const npm = matchPackages(db, [{ ecosystem: 'npm', name: 'formidable', version: '3.2.0' }])
  t.equal(npm[0]?.vulnerability, 'GHSA-75v8-2h7p-7m2m')
  t.equal(npm[0]?.rating, 'LOW', "GHSA's database_specific rating")
  const pypi = matchPackages(db, [{ ecosystem: 'PyPI', name: 'Requests', version: '2.30.0' }])
  t.ok(pypi.length >= 1, 'PyPI names are normalised')
  t.same(matchPackages(db, [{ ecosystem: 'PyPI', name: 'requests', version: '2.31.0' }]), [], 'the fixed version')
})

test('KEV joins on aliases; withdrawn records are left out; the score rises with KEV', async t => {
  const kev = parseKev(readFileSync(DIR + 'kev-catalog-minimal.json', 'utf8')).entries.map(e => e.cveID)
  const rec = parseOsvRecord({ id: 'GHSA-test', aliases: [kev[0]], modified: 'x', database_specific: { severity: 'CRITICAL' }, affected: [{ package: { ecosystem: 'npm', name: 'p' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }] })
  const gone = parseOsvRecord({ id: 'GHSA-gone', withdrawn: '2024-01-01T00:00:00Z', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'p' }, versions: ['1.0.0'] }] })
  const withKev = buildThreatDb([rec, gone], kev)
  const f = matchPackages(withKev, [{ ecosystem: 'npm', name: 'p', version: '1.0.0' }])
  t.same(f.map(x => [x.vulnerability, x.kev, x.severity, x.fixed]), [['GHSA-test', true, 0.95, '2.0.0']])
  const noKev = matchPackages(buildThreatDb([rec]), [{ ecosystem: 'npm', name: 'p', version: '1.0.0' }])
  t.ok(scoreFindings(f, false) > scoreFindings(noKev, false))
  t.equal(scoreFindings(noKev, true), 1)
})

test('a finding\'s severity is the CVSS base score / 10 when the record has a vector, else its rating', async t => {
  const gradio = osv('osv-GHSA-9v2f-6vcg-3hgv.pypi-versions-only.json')
  const [f] = matchPackages(buildThreatDb([gradio]), [{ ecosystem: 'PyPI', name: 'gradio', version: '4.36.1' }])
  t.equal(f?.cvss, 9.8)
  t.ok(Math.abs((f?.severity ?? 0) - 0.98) < 1e-9, `from the vector, not CRITICAL (0.95): ${f?.severity}`)
  t.equal(f?.rating, 'CRITICAL')
  const unscored = parseOsvRecord({ id: 'GHSA-x', modified: 'x', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }], database_specific: { severity: 'HIGH' }, affected: [{ package: { ecosystem: 'npm', name: 'p' }, versions: ['1.0.0'] }] })
  const [g] = matchPackages(buildThreatDb([unscored]), [{ ecosystem: 'npm', name: 'p', version: '1.0.0' }])
  t.equal(g?.cvss, undefined, 'a malformed vector gives no score')
  t.equal(g?.severity, 0.8, 'so the rating decides')
})
