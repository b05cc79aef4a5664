import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parsePeersFile } from '../../../src/daemon/peers-file.js'
import { hostLinks, originLink, planHosts, regionOfAddress } from '../../../sim/net/plan.js'
import { hostCount, parseTopology, readTopology } from '../../../sim/net/topology.js'

const here = dirname(fileURLToPath(import.meta.url))
const DEFAULT_TOPOLOGY = resolve(here, '../../../peers/local.json')

function valid (): Record<string, unknown> {
  return {
    regions: { a: { hosts: 2, seedCount: 1 }, b: { hosts: 1, seedCount: 1 } },
    rttMs: { a: { a: 2, b: 80 }, b: { b: 2 } },
    bandwidthMbps: { lan: 100, wan: 25 },
    origin: { region: 'b', egressMbps: 100 }
  }
}

t.test('the default topology: 3 regions of 4 hosts, a seed each, symmetric round trips, rates a machine can carry', async t => {
  const topo = await readTopology(DEFAULT_TOPOLOGY)
  t.same(Object.keys(topo.regions), ['eu-west', 'us-east', 'ap-south'])
  t.equal(hostCount(topo), 12)
  t.ok(Object.values(topo.regions).every(r => r.hosts === 4 && r.seedCount === 1))
  for (const a of Object.keys(topo.regions)) {
    t.ok(topo.rttMs[a]![a]! >= 1 && topo.rttMs[a]![a]! <= 2, `LAN round trip of ${a}: ${topo.rttMs[a]![a]} ms`)
    for (const b of Object.keys(topo.regions)) {
      t.equal(topo.rttMs[a]![b], topo.rttMs[b]![a], `${a} <-> ${b} symmetric`)
      if (a !== b) t.ok(topo.rttMs[a]![b]! >= 80 && topo.rttMs[a]![b]! <= 220, `${a} <-> ${b}: ${topo.rttMs[a]![b]} ms`)
    }
  }
  // Every uplink busy at once must stay well inside what Noise over loopback moves on two cores (1-2 Gbit/s).
  const worstMbps = hostCount(topo) * (topo.bandwidthMbps.lan + topo.bandwidthMbps.wan) + Object.keys(topo.regions).length * topo.origin.egressMbps
  t.ok(worstMbps <= 2000, `every uplink and origin proxy busy at once: ${worstMbps} Mbit/s`)
  t.equal(topo.origin.region, 'us-east')
  t.equal(topo.origin.rttMs['ap-south'], topo.rttMs['ap-south']!['us-east'], 'origin round trip defaults to the region\'s')
  // The same file is a valid, seedless, peers file for a daemon.
  t.same(parsePeersFile(await readFile(DEFAULT_TOPOLOGY, 'utf8'), DEFAULT_TOPOLOGY).regions['eu-west'], { seeds: [] })
})

t.test('a pair given in one order is enough; origin round trips can be set per region', async t => {
  const topo = parseTopology({ ...valid(), origin: { region: 'b', egressMbps: 100, rttMs: { a: 95 } } })
  t.equal(topo.rttMs.b!.a, 80)
  t.same(topo.origin.rttMs, { a: 95, b: 2 })
})

t.test('errors name the field', async t => {
  const cases: Array<[string, (j: Record<string, unknown>) => void, RegExp]> = [
    ['asymmetric', j => { (j.rttMs as Record<string, Record<string, number>>).b!.a = 81 }, /rttMs\.a\.b: 80 differs from rttMs\.b\.a \(81\)/],
    ['missing pair', j => { delete (j.rttMs as Record<string, Record<string, number>>).a!.b }, /rttMs\.a\.b: missing \(give it in either order\)/],
    ['missing diagonal', j => { delete (j.rttMs as Record<string, Record<string, number>>).b!.b }, /rttMs\.b\.b: missing \(the round trip within the region\)/],
    ['unknown region in rttMs', j => { (j.rttMs as Record<string, unknown>).c = {} }, /rttMs\.c: not a region/],
    ['negative rtt', j => { (j.rttMs as Record<string, Record<string, number>>).a!.a = -1 }, /rttMs\.a\.a: -1 is not a round trip/],
    ['hosts', j => { (j.regions as Record<string, unknown>).a = { hosts: 0 } }, /regions\.a\.hosts: 0 is not an integer from 1/],
    ['seeds above hosts', j => { (j.regions as Record<string, unknown>).a = { hosts: 2, seedCount: 3 } }, /regions\.a\.seedCount: 3 is not an integer from 0 to 2/],
    ['old seeds field', j => { (j.regions as Record<string, unknown>).a = { hosts: 2, seeds: 1 } }, /regions\.a\.seeds: unknown field/],
    ['region name', j => { (j.regions as Record<string, unknown>)['a b'] = { hosts: 1 } }, /regions\.a b: a region name/],
    ['bandwidth', j => { j.bandwidthMbps = { lan: 100 } }, /bandwidthMbps\.wan: undefined is not a rate/],
    ['bandwidth field', j => { j.bandwidthMbps = { lan: 100, wan: 10, man: 5 } }, /bandwidthMbps\.man: unknown field/],
    ['origin region', j => { j.origin = { region: 'z', egressMbps: 1 } }, /origin\.region: must name a region/],
    ['origin rtt region', j => { j.origin = { region: 'a', egressMbps: 1, rttMs: { z: 1 } } }, /origin\.rttMs\.z: not a region/],
    ['top-level field', j => { j.latency = {} }, /latency: unknown field/]
  ]
  for (const [name, change, message] of cases) {
    const j = valid()
    change(j)
    t.throws(() => parseTopology(j, 'x.json'), { name: 'TopologyError', message }, name)
  }
  await t.rejects(readTopology(resolve(here, 'no-such-file.json')), { name: 'TopologyError', message: /no-such-file\.json/ })
})

t.test('the plan: one loopback address per host naming its region; links share a bucket per host and class', async t => {
  const topo = parseTopology(valid())
  const plan = planHosts(topo)
  t.same(plan, [
    { name: 'a-0', region: 'a', index: 0, seed: true, address: '127.0.1.1' },
    { name: 'a-1', region: 'a', index: 1, seed: false, address: '127.0.1.2' },
    { name: 'b-0', region: 'b', index: 0, seed: true, address: '127.0.2.1' }
  ])
  const regionOf = regionOfAddress(plan)
  t.equal(regionOf('127.0.1.2', 40000), 'a')
  t.equal(regionOf('127.0.2.1', 1), 'b')
  t.equal(regionOf('127.0.0.1', 1), undefined)
  const links = hostLinks(topo, 'a')
  t.match(links('a'), { rttMs: 2, mbps: 100 })
  t.match(links('b'), { rttMs: 80, mbps: 25 })
  t.equal(links('a')!.bucket, links('a')!.bucket, 'one LAN bucket for the host')
  t.not(links('a')!.bucket, links('b')!.bucket, 'another for the WAN')
  t.not(hostLinks(topo, 'a')('a')!.bucket, links('a')!.bucket, 'each host its own')
  t.equal(hostLinks(topo, 'a', { scope: 'link' })('b')!.bucket, undefined, 'per-link scope: the transport makes one per connection')
  t.equal(links('z'), undefined)
  t.same(originLink(topo, 'a'), { rttMs: 80, mbps: 100 })
  t.throws(() => originLink(topo, 'z'), { name: 'TopologyError' })
})
