import t from 'tap'
import { THREAT_DIR, withThreatData } from '../../utils/shared-data.js'
import { readFileSync } from 'node:fs'
import { parseEpss, parseKev, parseMalwareList } from '../../../src/threat/feeds/index.js'

const DIR = THREAT_DIR ?? ''
const test = withThreatData(t)
const read = (f: string): string => readFileSync(DIR + f, 'utf8')
const EICAR = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'

test('MalwareBazaar CSV export: the EICAR row, the zero placeholder skipped', async t => {
  const r = parseMalwareList(read('malwarebazaar-export.example.csv'))
  t.same(r.hashes, [{ sha256: EICAR, signature: 'EICAR-Test-File', fileName: 'eicar.com' }])
  t.same(r.stats, { records: 1, skipped: 1 })
  t.equal(r.updated, '2026-01-01 00:00:00')
})

test('plain sha256 list', async t => {
  const r = parseMalwareList(read('malwarebazaar-sha256.example.txt'))
  t.same(r.hashes, [{ sha256: EICAR }])
  const mixed = parseMalwareList(`# list\n${EICAR}\nnot-a-hash\n${'A'.repeat(64)}\n`)
  t.same(mixed.stats, { records: 2, skipped: 1 }, 'upper case is accepted, junk counted and skipped')
  t.throws(() => parseMalwareList(''), { name: 'InvalidFeedError' })
})

test('CISA KEV catalog', async t => {
  const r = parseKev(read('kev-catalog-minimal.json'))
  t.equal(r.entries.length, 6)
  t.equal(r.catalogVersion, '2025.08.25')
  t.ok(r.entries.some(e => e.cveID === 'CVE-2021-44228'), 'Log4Shell')
  const bad = parseKev(JSON.stringify({ catalogVersion: 'x', vulnerabilities: [{ cveID: 'nope' }, { cveID: 'CVE-2024-0001', dateAdded: '2024-01-01' }] }))
  t.same(bad.stats, { records: 1, skipped: 1 })
  t.throws(() => parseKev('{"truncated'), { name: 'InvalidFeedError', message: /not JSON/ })
  t.throws(() => parseKev('{}'), { name: 'InvalidFeedError', message: /not a KEV catalog/ })
})

test('EPSS CSV', async t => {
  const r = parseEpss(read('epss-scores.example.csv'))
  t.equal(r.scores.size, 5)
  t.same(r.scores.get('CVE-1999-0005'), { epss: 0.91963, percentile: 0.99214 })
  t.equal(r.scoreDate, '2025-02-20T00:00:00+0000')
  t.same(parseEpss('cve,epss,percentile\nCVE-2024-0001,2,0.5\nCVE-2024-0002,0.1,0.2\n').stats, { records: 1, skipped: 1 })
  t.throws(() => parseEpss('a,b\n'), { name: 'InvalidFeedError' })
})
