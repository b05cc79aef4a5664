/**
 * Priority in real daemons: the `--priority*` options, and two daemon
 * processes (eu-west and ap-south) whose usage logs are written before they
 * start. Each scores its own usage, gossips its top layers on
 * `shoal/priority/1`, and `shoal priority` on either shows the swarm's
 * view: demand from both regions, and the copy the eu-west daemon holds.
 */
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { Cluster, type NodeHandle } from '../../sim/cluster.js'
import { randomBytes } from '../../sim/random.js'
import { loadConfig } from '../../src/daemon/config.js'
import type { PriorityRound } from '../../src/daemon/api.js'
import { PRIORITY_INTERVAL_MS } from '../../src/predict/service/index.js'
import { createLevelUsageLog } from '../../src/usage/index.js'
import { eventually, removeDir, tempDir } from '../utils/system.js'
import { served } from '../predict/service/helpers.js'
import { runCli } from './helpers.js'

const hour = 60 * 60 * 1000

t.test('daemon options: --priority, --priority-weights, --priority-interval-ms', async t => {
  const base = ['--data', '/tmp/x']
  const d = await loadConfig(base, {})
  if (d === 'help') throw new Error('help')
  t.equal(d.priority, true, 'on by default')
  t.equal(d.priorityIntervalMs, PRIORITY_INTERVAL_MS)
  t.equal(d.priorityWeights, undefined, 'the priority defaults')
  const c = await loadConfig([...base, '--priority', 'off', '--priority-weights', '1,-0.5,0.25', '--priority-interval-ms', '2000'], {})
  t.match(c, { priority: false, priorityWeights: { usage: 1, threat: -0.5, proximity: 0.25 }, priorityIntervalMs: 2000 })
  t.match(await loadConfig(base, { SHOAL_PRIORITY_WEIGHTS: '0.5,0,0.5' }), { priorityWeights: { usage: 0.5, threat: 0, proximity: 0.5 } }, 'from the environment')
  await t.rejects(loadConfig([...base, '--priority', 'maybe'], {}), { name: 'ConfigError', message: /priority must be on or off/ })
  await t.rejects(loadConfig([...base, '--priority-weights', '1,2'], {}), { name: 'ConfigError', message: /priority-weights: .*must be three numbers/ })
  await t.rejects(loadConfig([...base, '--priority-weights', '1,2,300'], {}), { name: 'ConfigError', message: /weights.proximity: 300/ })
  await t.rejects(loadConfig([...base, '--priority-interval-ms', '500'], {}), { name: 'ConfigError', message: /priority-interval-ms must be a whole number of ms from 1000 to 86400000, got "500"/ })
})


async function priorityOf (node: NodeHandle): Promise<PriorityRound> {
  const r = await runCli(['--admin', node.socket, 'priority', '--json', '--top', '100'])
  if (r.code !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout) as PriorityRound
}

/** What a failure should say about a daemon: its connections and its priority metrics. */
async function state (node: NodeHandle): Promise<string> {
  const metrics = (await node.admin.metrics()).split('\n').filter(l => l.startsWith('shoal_priority_') || l.startsWith('shoal_connections'))
  return `${node.name}: ${metrics.join(', ')} (log ${node.logFile})`
}

/** `count` requests for `layer` from `region`, spread over the last three hours. */
async function writeUsage (dataDir: string, region: string, demand: Array<[string, number]>): Promise<void> {
  const log = createLevelUsageLog({ dir: join(dataDir, 'usage') })
  await log.start()
  const now = Date.now()
  let client = 0
  for (const [layer, count] of demand) {
    for (let i = 0; i < count; i++) log.record(served(now - 3 * hour + Math.floor(i * 3 * hour / count), layer, `10.0.0.${client++ % 250}`, region))
  }
  await log.stop()
}

t.test('two daemons gossip their priorities: each sees both regions\' demand and where the copy is', async t => {
  const dir = await tempDir('priority')
  const cluster = new Cluster({ dir, logLevel: 'debug' })
  t.teardown(async () => {
    await cluster.teardown()
    // A failed run keeps the daemons' logs to read.
    if (t.passing() && process.env.SHOAL_KEEP == null) await removeDir(dir)
    else t.comment(`kept ${dir}`)
  })
  const bytes = randomBytes(64 * 1024, 77)
  const X = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
  const Y = 'sha256:' + 'e'.repeat(64)
  const Z = 'sha256:' + 'a'.repeat(64)
  // The origin in eu-west: ap-south is 150 ms from it and from eu-west's copies.
  const peers = join(dir, 'peers.json')
  await writeFile(peers, JSON.stringify({ regions: {}, rttMs: { 'eu-west': { 'ap-south': 150 } }, origin: { region: 'eu-west' } }))
  await writeUsage(join(dir, 'eu'), 'eu-west', [[X, 30], [Y, 10]])
  await writeUsage(join(dir, 'ap'), 'ap-south', [[X, 60], [Z, 20]])
  const args = ['--threat', 'off', '--peers', peers, '--priority-interval-ms', '1000']
  const eu = await cluster.spawn('eu', { region: 'eu-west', args })
  await eu.admin.add((async function * () { yield bytes })(), { expectedDigest: X })
  const ap = await cluster.spawn('ap', { region: 'ap-south', bootstrap: [eu.addr], args: [...args, '--priority-weights', '0.5,-0.5,0.5'] })

  const apView = await eventually('ap-south hears eu-west', async () => {
    const r = await priorityOf(ap)
    const x = r.layers.find(l => l.digest === X)
    if (x?.cachedRegions.join() !== 'eu-west' || x.demandByRegion['eu-west'] == null || r.peers !== 1) throw new Error(`${JSON.stringify(x ?? r)}; ${await state(eu)}; ${await state(ap)}`)
    return r
  }, { timeoutMs: 60_000, intervalMs: 200 })
  t.same(apView.weights, { usage: 0.5, threat: -0.5, proximity: 0.5 }, 'the weights of --priority-weights')
  const x = apView.layers.find(l => l.digest === X)!
  const fromAp = x.demandByRegion['ap-south']!
  t.ok(fromAp > 0 && x.demandByRegion['eu-west']! > 0, `X is demanded in both regions: ${JSON.stringify(x.demandByRegion)}`)
  // eu-west's demand is served where the copy is; ap-south's is 150 ms away, the farthest there is.
  t.ok(Math.abs(x.proximity - fromAp / x.demand) < 1e-6, `proximity ${x.proximity} = ap-south's share of the demand`)
  t.ok(apView.layers.some(l => l.digest === Y), 'a layer only eu-west asked for is scored in ap-south')
  t.same(apView.layers.find(l => l.digest === Z)?.cachedRegions, [], 'no one holds Z')

  const euView = await eventually('eu-west hears ap-south', async () => {
    const r = await priorityOf(eu)
    if (r.layers.find(l => l.digest === Z) == null) throw new Error(`${JSON.stringify(r.layers.map(l => l.digest))}; ${await state(eu)}; ${await state(ap)}`)
    return r
  }, { timeoutMs: 60_000, intervalMs: 200 })
  t.same(euView.layers.find(l => l.digest === X)?.cachedRegions, ['eu-west'], 'the store\'s copy counts for its own region')
  const inAp = await runCli(['--admin', eu.socket, 'priority', '--region', 'ap-south'])
  t.equal(inAp.code, 0, inAp.stderr)
  t.match(inAp.stdout, /^eu-west, round of .*: \d+ layers scored, 1 peer heard; weights usage 0.6, threat -0.25, proximity 0.4\nLAYER +PRIORITY/)
  t.notMatch(inAp.stdout, Y, '--region ap-south leaves out what only eu-west asked for')
  const metrics = await ap.admin.metrics()
  t.match(metrics, /\nshoal_priority_gossip_received_total [1-9]/)
  t.match(metrics, /\nshoal_priority_gossip_published_total [1-9]/)
  t.match(metrics, /\nshoal_priority_rounds_total [1-9]/)
  t.match(metrics, /\nshoal_priority_gossip_dropped_total 0\n/)
})
