import t from 'tap'
import { findingWeight, layerThreatScore, severityOf } from '../../src/threat/score.js'

t.test('the documented formula', async t => {
  t.equal(layerThreatScore([], false), 0, 'no findings: 0')
  t.equal(layerThreatScore([{ severity: 0.2, kev: false }], true), 1, 'malware: 1')
  t.equal(findingWeight({ severity: 0.9, kev: true }), 0.9)
  t.equal(findingWeight({ severity: 0.9, kev: false }), 0.9 * 0.6)
  t.ok(Math.abs(findingWeight({ severity: 0.5, kev: false, epss: 0.5 }) - (1 - 0.7 * 0.5)) < 1e-12)
  const one = layerThreatScore([{ severity: 0.5, kev: false }], false)
  const two = layerThreatScore([{ severity: 0.5, kev: false }, { severity: 0.5, kev: false }], false)
  t.ok(two > one && two < 1, 'more findings raise the score, below 1')
  t.ok(layerThreatScore([{ severity: 0.95, kev: true }], false) > layerThreatScore([{ severity: 0.95, kev: false }], false), 'KEV raises it')
  const many = layerThreatScore(Array.from({ length: 500 }, () => ({ severity: 1, kev: true, epss: 1 })), false)
  t.ok(many <= 1 && many >= 0)
})

t.test('severity from CVSS or a rating', async t => {
  t.ok(Math.abs(severityOf({ cvssBaseScore: 9.8 }) - 0.98) < 1e-12)
  t.equal(severityOf({ cvssBaseScore: 42 }), 1)
  t.equal(severityOf({ rating: 'CRITICAL' }), 0.95)
  t.equal(severityOf({ rating: 'moderate' }), 0.5)
  t.equal(severityOf({}), 0.5)
})
