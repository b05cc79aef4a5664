/**
 * The replica quorum with real processes: three seed daemons on loopback,
 * named by peer id in a generated peers file. Targets are set through the
 * CLI; the leader is killed with SIGKILL and a new one is elected with every
 * committed target intact; the old leader restarts and catches up; a seed
 * cut off from the others by its connection gater refuses writes with a
 * clear error, answers reads from what it heard, while the other two keep
 * committing; healed, it catches up.
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Seeds, type Seed } from '../../sim/seeds.js'
import type { TargetRow } from '../../src/quorum/api.js'
import { runCli } from '../cli/helpers.js'
import { eventually, removeDir, tempDir } from '../utils/system.js'

const CHILD = fileURLToPath(new URL('../../dist/test/e2e/quorum-child.js', import.meta.url))
const ELECTION_TIMEOUT_MS = 500
/** Generous: the bench measures the real figure; this only says "elected, not stuck". */
const ELECTION_BOUND_MS = 10_000

function layer (i: number): string {
  return 'sha256:' + i.toString(16).padStart(64, '0')
}

function gateFile (dir: string, seed: Seed): string {
  return join(dir, `${seed.name}.gate`)
}

async function quorum (seed: Seed, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await runCli(['--admin', seed.node!.socket, 'quorum', ...args])
}


function rows (list: TargetRow[]): string[] {
  return list.map(r => `${r.digest.slice(-4)} ${r.region} ${r.replicas}`)
}

t.test('three seed daemons: elect, replicate, survive a kill -9 of the leader, refuse writes in a minority', async t => {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run npm run build first`)
  const dir = await tempDir('quorum-e2e')
  // A loaded machine (others' tests on two cores) can take a while to start a daemon.
  const seeds = new Seeds({ dir, electionTimeoutMs: ELECTION_TIMEOUT_MS, entry: [CHILD], logLevel: 'debug', startTimeoutMs: 90_000 })
  t.teardown(async () => {
    await seeds.teardown()
    if (t.passing()) await removeDir(dir)
    else t.comment(`logs kept in ${dir}`)
  })
  await seeds.start(seed => [gateFile(dir, seed)])
  const first = await seeds.leader()
  t.pass(`${first.seed.name} leads term ${first.status.term}`)
  const followers = seeds.seeds.filter(s => s !== first.seed)

  // Writes through the CLI: on the leader, and on a follower (forwarded).
  const onLeader = await quorum(first.seed, ['set', layer(1), 'region-0', '3', '--reason', 'hot'])
  t.equal(onLeader.code, 0, onLeader.stderr)
  t.match(onLeader.stdout, /3 replicas \(committed at log index \d+\)/)
  const onFollower = await quorum(followers[0]!, ['set', layer(2), 'region-1', '2', '--json'])
  t.equal(onFollower.code, 0, onFollower.stderr)
  t.equal((JSON.parse(onFollower.stdout) as { status: string }).status, 'applied')
  await followers[1]!.node!.admin.quorum.batch({ writes: [{ op: 'set', digest: layer(3), region: 'region-2', replicas: 1, reason: 'batch' }, { op: 'set', digest: layer(3), region: 'region-0', replicas: 5, reason: 'batch' }] })
  const cleared = await quorum(followers[1]!, ['clear', layer(3), 'region-0'])
  t.equal(cleared.code, 0, cleared.stderr)
  const committed = ['0001 region-0 3', '0002 region-1 2', '0003 region-2 1']
  for (const s of seeds.seeds) t.same(rows(await s.node!.admin.quorum.targets()), committed, `${s.name} reads every committed target`)
  const targetsTable = await quorum(followers[0]!, ['targets', '--region', 'region-1'])
  t.match(targetsTable.stdout, new RegExp(`${layer(2)}\\s+region-1\\s+2`))
  // Every seed publishes what it applies; each one's gossip table converges on the committed targets.
  for (const s of seeds.seeds) {
    await eventually(`${s.name} hears the targets on gossip`, async () => {
      const m = /^shoal_quorum_heard_targets (\d+)$/m.exec(await s.node!.admin.metrics())
      if (m?.[1] !== '3') throw new Error(`shoal_quorum_heard_targets ${m?.[1] ?? 'missing'}`)
    })
  }
  // A daemon that is not a seed never votes: it asks the seeds, and hears the targets on gossip.
  const member = await seeds.cluster.spawn('member', { entryArgs: [join(dir, 'member.gate')], args: ['--peers', seeds.peersFile, '--threat', 'off'] })
  const memberSeed: Seed = { name: 'member', region: 'local', peerId: member.status.peerId, port: 0, node: member }
  const observed = JSON.parse((await quorum(memberSeed, ['status', '--json'])).stdout) as { role: string, seed: boolean, members: unknown[] }
  t.match(observed, { role: 'observer', seed: false }, 'a non-seed daemon is an observer')
  t.equal(observed.members.length, 3, 'of the three seeds')
  const viaMember = await quorum(memberSeed, ['set', layer(7), 'region-2', '7'])
  t.equal(viaMember.code, 0, `a write through a non-seed is committed by the seeds: ${viaMember.stderr}`)
  const clearedViaMember = await quorum(memberSeed, ['clear', layer(7), 'region-2'])
  t.equal(clearedViaMember.code, 0, clearedViaMember.stderr)
  t.same(rows(await member.admin.quorum.targets()), committed, 'and reads them from the seeds')
  await eventually('the non-seed hears the targets', async () => {
    const m = /^shoal_quorum_heard_targets (\d+)$/m.exec(await member.admin.metrics())
    if (m?.[1] !== '3') throw new Error(`shoal_quorum_heard_targets ${m?.[1] ?? 'missing'}`)
  })
  t.match(await member.admin.metrics(), /^shoal_quorum_is_leader 0$/m)

  const status = await quorum(first.seed, ['status', '--json'])
  const s0 = JSON.parse(status.stdout) as { role: string, members: Array<{ id: string, lag?: number, connected: boolean }>, commitIndex: number }
  t.equal(s0.role, 'leader')
  t.equal(s0.members.length, 3)
  t.ok(s0.members.every(m => m.connected), 'the leader is connected to every member')
  t.match(await first.seed.node!.admin.metrics(), /^shoal_quorum_is_leader 1$/m, 'the leader says so in its metrics')

  // kill -9 the leader: the other two elect a new one, and keep every committed target.
  const killedAt = performance.now()
  await seeds.kill(first.seed)
  const second = await seeds.leader({ among: followers, aboveTerm: first.status.term, timeoutMs: ELECTION_BOUND_MS + 5000 })
  const electionMs = second.atMs - killedAt
  t.ok(electionMs < ELECTION_BOUND_MS, `a new leader (${second.seed.name}, term ${second.status.term}) ${Math.round(electionMs)} ms after the kill (election timeout ${ELECTION_TIMEOUT_MS} ms)`)
  for (const s of followers) t.same(rows(await s.node!.admin.quorum.targets()), committed, `${s.name}: every committed target intact`)
  const during = await quorum(second.seed, ['set', layer(4), 'region-1', '4'])
  t.equal(during.code, 0, `two of three seeds commit: ${during.stderr}`)

  // The old leader restarts on its directory and catches up.
  await seeds.startSeed(first.seed, [gateFile(dir, first.seed)])
  const caughtUp = await eventually('the restarted seed catches up', async () => {
    const leader = await second.seed.node!.admin.quorum.status()
    const back = await first.seed.node!.admin.quorum.status()
    if (back.appliedIndex < leader.commitIndex) throw new Error(`applied ${back.appliedIndex} of ${leader.commitIndex}`)
    return back
  })
  t.equal(caughtUp.leader, second.seed.peerId, 'it follows the new leader')
  t.same(rows(await first.seed.node!.admin.quorum.targets()), [...committed, '0004 region-1 4'], 'and holds every target, the one set while it was down too')

  // Cut one follower off from the other two: it refuses writes with a clear error; the majority goes on.
  const leaderNow = await seeds.leader()
  const cut = seeds.seeds.find(s => s !== leaderNow.seed)!
  const others = seeds.seeds.filter(s => s !== cut)
  await writeFile(gateFile(dir, cut), others.map(s => s.peerId).join('\n') + '\n')
  cut.node!.process.kill('SIGUSR2')
  await eventually('the cut seed loses its connections', async () => {
    const s = await cut.node!.admin.quorum.status()
    const seen = s.members.filter(m => m.id !== s.id && m.connected).length
    if (seen > 0) throw new Error(`${seen} members still connected`)
  })
  const refusedAt = performance.now()
  const refused = await quorum(cut, ['set', layer(5), 'region-2', '1'])
  const refusedMs = performance.now() - refusedAt
  t.equal(refused.code, 1, 'a write on the cut seed fails')
  t.match(refused.stderr, /^shoal: QuorumUnavailableError: .*1 of 3 seeds reachable, need 2/m, `with what is missing (${Math.round(refusedMs)} ms): ${refused.stderr.trim()}`)
  const stale = await quorum(cut, ['targets', '--json'])
  t.equal(stale.code, 0, stale.stderr)
  t.match(stale.stderr, /no seed answered .* heard on gossip/, 'reads come from what it heard, and say so')
  t.same(rows((JSON.parse(stale.stdout) as { targets: TargetRow[] }).targets), [...committed, '0004 region-1 4'])
  const majority = await quorum(leaderNow.seed, ['set', layer(6), 'region-0', '6'])
  t.equal(majority.code, 0, `the majority still commits: ${majority.stderr}`)

  // Healed, it catches up.
  await writeFile(gateFile(dir, cut), '')
  cut.node!.process.kill('SIGUSR2')
  await eventually('the healed seed catches up', async () => {
    const got = rows(await cut.node!.admin.quorum.targets())
    if (!got.includes('0006 region-0 6')) throw new Error(got.join(', '))
  }, { timeoutMs: 30_000 })
  t.pass('the healed seed reads the target committed while it was cut off')
})
