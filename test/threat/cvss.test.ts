import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { THREAT_DIR, withThreatData } from '../utils/shared-data.js'
import { bestCvss, CVSS_CACHE_ENTRIES, cvssBaseScore, MAX_CVSS_VECTOR_LENGTH } from '../../src/threat/cvss.js'
import { parseOsvRecord } from '../../src/threat/osv/index.js'

const DIR = THREAT_DIR ?? ''
const withData = withThreatData(t)
const load = (f: string): unknown => JSON.parse(readFileSync(DIR + f, 'utf8'))

t.test('known vectors score as FIRST\'s calculators do', async t => {
  const known: Array<[string, string, number]> = [
    // 3.x: FIRST's 3.1 calculator (and NVD's scores for the same vectors).
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 9.8],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', '3.1', 3.1],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', '3.1', 10],
    ['CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:L', '3.1', 4.6],
    ['CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:L/A:L', '3.1', 5.5],
    ['CVSS:3.1/AV:A/AC:H/PR:N/UI:R/S:C/C:H/I:L/A:L', '3.1', 7.0],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', '3.1', 0],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.0', 9.8],
    ['CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N', '3.0', 5.9],
    // 4.0: FIRST's 4.0 calculator (CVSS-B: base metrics only).
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0', 9.3],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', '4.0', 10],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', '4.0', 7.9],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', '4.0', 6.9],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N', '4.0', 5.3],
    ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L', '4.0', 5.2],
    ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', '4.0', 1.0],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', '4.0', 0],
    // 2.0: NVD's v2 calculator.
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', '2.0', 7.5],
    ['AV:N/AC:L/Au:N/C:C/I:C/A:C', '2.0', 10],
    ['AV:L/AC:H/Au:S/C:C/I:P/A:N', '2.0', 4.5]
  ]
  for (const [vector, version, score] of known) t.same(cvssBaseScore(vector), { version, score }, vector)
})

t.test('temporal, threat, environmental and supplemental metrics do not change the base score', async t => {
  t.same(cvssBaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C'), { version: '3.1', score: 9.8 }, '3.1 temporal (9.0 in all)')
  t.same(cvssBaseScore('CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:L/A:L/CR:H/MAV:L'), { version: '3.1', score: 5.5 }, '3.1 environmental')
  t.same(cvssBaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P/E:U/RL:OF/RC:C'), { version: '2.0', score: 7.5 }, '2.0 temporal (5.5 in all)')
  // FIRST's calculator shows CVSS-BT 9.1 and CVSS-BE 9.8 for these two; the base is 10.
  t.same(cvssBaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U'), { version: '4.0', score: 10 }, '4.0 threat')
  t.same(cvssBaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVI:L/MSA:S'), { version: '4.0', score: 10 }, '4.0 environmental')
  t.same(cvssBaseScore('CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber'), { version: '4.0', score: 5.2 }, '4.0 with every kind (CVSS-BTE 4.7)')
})

t.test('a malformed vector has no score and throws nothing', async t => {
  const base31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
  const malformed: Array<[string, string]> = [
    ['', 'empty'],
    ['garbage', 'no metrics (the library throws a TypeError on this)'],
    ['CVSS:3.1/', 'a prefix alone'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', 'a base metric missing (the library scores it 0)'],
    ['CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a metric twice (the library keeps the last)'],
    [base31 + '/XX:X', 'an unknown metric'],
    ['CVSS:3.1/AV:J/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'an unknown value'],
    ['CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a base metric not defined'],
    ['CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a lower-case metric name'],
    [base31 + '/', 'a trailing slash'],
    [' ' + base31, 'leading space'],
    [base31 + '/CVSS:3.1', 'a second prefix'],
    ['CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'an unknown version'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a 3.x vector without its prefix'],
    ['CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0 metrics under a 3.1 prefix'],
    ['CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1 metrics under a 4.0 prefix'],
    ['CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N', 'a 4.0 value that does not exist'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N', 'a 4.0 base metric missing'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Q', 'a 4.0 threat value that does not exist'],
    ['AV:N/AC:L/Au:N/C:P/I:P', 'a 2.0 base metric missing'],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P/PR:N', 'a 3.x metric in a 2.0 vector'],
    ['(AV:N/AC:L/Au:N/C:P/I:P/A:P)', '2.0 in parentheses'],
    [base31 + '/E:U'.repeat(MAX_CVSS_VECTOR_LENGTH / 4), 'longer than the limit']
  ]
  for (const [vector, why] of malformed) {
    let result: unknown = 'threw'
    t.doesNotThrow(() => { result = cvssBaseScore(vector) }, why)
    t.equal(result, undefined, why)
  }
  for (const notAString of [undefined, null, 9.8, {}]) t.equal(cvssBaseScore(notAString as unknown as string), undefined, String(notAString))
})

t.test('scores are remembered, and what is returned belongs to the caller', async t => {
  const vector = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'
  const first = cvssBaseScore(vector)!
  first.score = 0
  t.same(cvssBaseScore(vector), { version: '3.1', score: 9.8 }, 'a changed result does not change the next')
  for (let i = 0; i <= CVSS_CACHE_ENTRIES; i++) cvssBaseScore(`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX${i}:X`)
  t.same(cvssBaseScore(vector), { version: '3.1', score: 9.8 }, 'and after the cache filled and emptied')
  t.equal(cvssBaseScore(vector + '/XX0:X'), undefined)
})

t.test('bestCvss prefers 3.1, then 3.0, then 4.0, then 2.0, skipping what does not parse', async t => {
  const v2 = { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' }
  const v30 = { type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N' }
  const v31 = { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N' }
  const v4 = { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }
  const ubuntu = { type: 'Ubuntu', score: 'high' }
  t.same(bestCvss([v4, v2, v31]), { version: '3.1', score: 3.1, vector: v31.score }, '3.1 over 4.0 and 2.0, whatever the order')
  t.same(bestCvss([v30, v31]), { version: '3.1', score: 3.1, vector: v31.score }, '3.1 over 3.0')
  t.same(bestCvss([v2, v4, v30]), { version: '3.0', score: 5.9, vector: v30.score }, '3.0 over 4.0')
  t.same(bestCvss([ubuntu, v2, v4]), { version: '4.0', score: 9.3, vector: v4.score }, '4.0 over 2.0')
  t.same(bestCvss([ubuntu, v2]), { version: '2.0', score: 7.5, vector: v2.score }, '2.0 as a last resort')
  t.same(bestCvss([{ type: 'CVSS_V3', score: v31.score + '/XX:X' }, v4]), { version: '4.0', score: 9.3, vector: v4.score }, 'a malformed 3.1 vector is skipped')
  t.same(bestCvss([{ type: 'CVSS_V3', score: v31.score + '/XX:X' }, v31]), { version: '3.1', score: 3.1, vector: v31.score }, 'the next well-formed one of the same version')
  t.equal(bestCvss([{ type: 'CVSS_V3', score: v4.score }, { type: 'CVSS_V4', score: v31.score }]), undefined, 'a vector under the wrong type is skipped')
  t.equal(bestCvss([ubuntu]), undefined, 'no vector')
  t.equal(bestCvss([]), undefined)
})

withData('OSV fixtures: the record carries its CVSS score', async t => {
  const gradio = parseOsvRecord(load('osv-GHSA-9v2f-6vcg-3hgv.pypi-versions-only.json'))
  t.same(gradio.cvss, { version: '3.1', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })
  t.equal(gradio.rating, 'CRITICAL', 'the qualitative rating stays alongside')
  const apparmor = parseOsvRecord(load('osv-DEBIAN-CVE-2017-6507.debian-apparmor.json'))
  t.same(apparmor.cvss, { version: '3.0', score: 5.9, vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N' })
  const withVectors = readdirSync(DIR).filter(f => f.startsWith('osv-') && !f.includes('schema'))
    .map(f => ({ f, raw: load(f) as { severity?: Array<{ type: string }> } }))
    .filter(({ raw }) => raw.severity?.some(s => s.type.startsWith('CVSS_')) === true)
  t.ok(withVectors.length >= 4, `${withVectors.length} OSV fixtures have a CVSS vector`)
  for (const { f, raw } of withVectors) t.ok(parseOsvRecord(raw).cvss != null, `${f} is scored`)
  const malware = parseOsvRecord(load('osv-MAL-2024-10238.pypi-malicious.json'))
  t.equal(malware.cvss, undefined, 'no vector, no score')
})

withData('our base scores equal the ones NVD and CVE records publish for the same vectors', async t => {
  const seen: string[] = []
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${where}[${i}]`))
    } else if (typeof value === 'object' && value != null) {
      const o = value as Record<string, unknown>
      if (typeof o.vectorString === 'string' && typeof o.baseScore === 'number' && typeof o.version === 'string') {
        seen.push(where)
        t.same(cvssBaseScore(o.vectorString), { version: o.version, score: o.baseScore }, `${where}: ${o.vectorString}`)
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`)
    }
  }
  const files = readdirSync(DIR).filter(f => f.startsWith('nvd-api2-') || f.startsWith('cve5-'))
  for (const f of files) walk(load(f), f)
  t.ok(seen.filter(w => w.startsWith('nvd-')).length >= 3, `NVD scores checked: ${seen.join(', ')}`)
  t.ok(seen.length >= 5)
})
