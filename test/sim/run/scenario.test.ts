/**
 * The runner end to end on a small topology: four real daemons in two
 * regions over shaped links, a rollout of a small image, pulled through the
 * swarm and straight from the origin, and a report built from both runs.
 */
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { planHosts, readTopology } from '../../../sim/net/index.js'
import { buildReport } from '../../../sim/report/index.js'
import { runScenario } from '../../../sim/run/scenario.js'
import { rolloutWorkload } from '../../../sim/workload/index.js'

t.test('a rollout through a 4-daemon, 2-region swarm and straight from the origin', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-sim-run-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'topology.json')
  await writeFile(file, JSON.stringify({
    regions: { a: { hosts: 2, seedCount: 1 }, b: { hosts: 2, seedCount: 1 } },
    rttMs: { a: { a: 2, b: 40 }, b: { b: 2 } },
    bandwidthMbps: { lan: 200, wan: 50 },
    origin: { region: 'a', egressMbps: 50, rttMs: { a: 4, b: 40 } }
  }))
  const topology = await readTopology(file)
  const plan = rolloutWorkload({ image: { name: 'sim/test', tag: 'v1', layers: [{ sizeBytes: 1 << 20 }, { sizeBytes: 256 << 10 }] }, hosts: planHosts(topology), windowMs: 2000, seed: 3 })
  const input = await runScenario({ name: 'rollout', topology, topologyFile: file, plan, seed: 3, digestCache: new Map() })
  t.equal(input.swarm.pulls.length, 4)
  t.ok(input.swarm.pulls.every(p => p.ok !== false), 'every swarm pull succeeded')
  t.ok(input.direct!.pulls.every(p => p.ok !== false), 'every direct pull succeeded')
  const bytes = input.swarm.pulls[0]!.bytes
  t.ok(bytes > (1 << 20) + (256 << 10), `a pull gets the layers and the config (${bytes} bytes)`)
  for (const p of input.swarm.pulls) {
    const s = p.bytesBySource
    t.ok(s.local + s.peer + s.origin >= (1 << 20), `${p.host}: bytes by source from its usage log (${JSON.stringify(s)})`)
  }
  t.ok(input.direct!.originEgressBytes >= 4 * (1 << 20), 'direct: the origin sends every copy')
  t.ok(input.swarm.originEgressBytes < input.direct!.originEgressBytes, `the swarm costs the origin less (${input.swarm.originEgressBytes} < ${input.direct!.originEgressBytes})`)
  const report = buildReport(input)
  t.equal(report.regions.length, 2)
  t.ok(report.swarm.p50PullMs != null && report.direct?.p50PullMs != null)
  t.ok(report.distributeLowerBoundMs > 0)
})
