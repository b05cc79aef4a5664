import { fileURLToPath } from 'node:url'
import t from 'tap'
import { computePriorities } from '../../../src/predict/priority/index.js'
import { parseDistances, readDistances } from '../../../src/predict/service/index.js'

const LOCAL = fileURLToPath(new URL('../../../peers/local.json', import.meta.url))

t.test('the default topology: round trips between regions, and to the origin through its region', async t => {
  const d = await readDistances(LOCAL)
  t.ok(d != null)
  t.equal(d!.rttMs['eu-west']?.['ap-south'], 150)
  t.equal(d!.rttMs['us-east']?.['ap-south'], 220)
  t.same(d!.originRttMs, { 'eu-west': 80, 'us-east': 2, 'ap-south': 220 }, 'the origin sits in us-east')
  // Demand in ap-south with a copy in eu-west is 150 ms away, out of at most 220.
  const [p] = computePriorities([{ digest: 'x', demandByRegion: { 'ap-south': 10 }, cachedRegions: ['eu-west'] }], { distances: d! })
  t.ok(Math.abs(p!.proximity - 150 / 220) < 1e-9, `proximity ${p!.proximity}`)
})

t.test('a peers file without round trips gives no distances; origin.rttMs overrides the origin region', async t => {
  t.equal(parseDistances('{"regions":{"a":{"seeds":[]}}}', 'p.json'), undefined)
  const d = parseDistances(JSON.stringify({ rttMs: { a: { b: 10 } }, origin: { region: 'b', rttMs: { a: 99 } } }), 'p.json')
  t.same(d, { rttMs: { a: { b: 10 } }, originRttMs: { a: 99, b: 0 } })
  t.same(parseDistances(JSON.stringify({ rttMs: { a: { b: 10 } } }), 'p.json'), { rttMs: { a: { b: 10 } } }, 'no origin: the default')
})

t.test('bad round trips name the field and the file', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ rttMs: [] }, /topology p.json: rttMs must be an object/],
    [{ rttMs: { a: { b: -1 } } }, /rttMs.a.b must be a round trip in ms from 0 to 600000/],
    [{ rttMs: { a: { b: '5' } } }, /rttMs.a.b must be a round trip/],
    [{ rttMs: { 'a b': {} } }, /rttMs.a b is not a region name/],
    [{ rttMs: { a: { b: 5 }, b: { a: 6 } } }, /rttMs.b.a \(6\) disagrees with rttMs.a.b \(5\)/],
    [{ rttMs: {}, origin: { rttMs: { a: null } } }, /origin.rttMs.a must be a round trip/],
    [{ rttMs: {}, origin: { region: 7 } }, /origin.region is not a region name/]
  ]
  for (const [json, message] of cases) t.throws(() => parseDistances(JSON.stringify(json), 'p.json'), { name: 'PriorityTopologyError', message }, JSON.stringify(json))
  t.throws(() => parseDistances('{', 'p.json'), { name: 'PriorityTopologyError', message: /topology p.json: / })
  await t.rejects(readDistances('/nonexistent/peers.json'), { name: 'PriorityTopologyError', message: /ENOENT/ })
})
