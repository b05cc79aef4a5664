/**
 * Three region seeds on loopback, each a QuorumService over LevelDB and
 * real libp2p: they elect a leader; writes on the leader, on a follower
 * (forwarded) and from a daemon that is not a seed all commit and read
 * back everywhere; the leader stopped, a new one leads with every target
 * intact; the old one restarted from its directory catches up (through a
 * snapshot when the log was compacted meanwhile); a seed cut off by the
 * connection gater refuses writes with QuorumUnavailableError while the
 * other two commit. No timed assertions: waits are liveness bounds.
 */
import t from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNode } from '../../../src/node/create.js'
import { createQuorumService } from '../../../src/quorum/index.js'
import { createMemoryRaftStorage, type RaftStorage } from '../../../src/quorum/storage/index.js'
import { FAST, SeedCluster, digest, eventually, logger } from './cluster.js'
import type { TargetRow } from '../../../src/quorum/api.js'

function rows (list: TargetRow[]): string {
  return JSON.stringify(list.map(r => [r.digest.slice(-4), r.region, r.replicas, r.reason]))
}

t.test('three seeds elect one leader; writes on the leader, on a follower and from a non-seed commit and read back everywhere', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 3)
  t.teardown(async () => { await c.teardown() })
  const leader = await c.leader()
  const followers = c.seeds.filter(s => s !== leader)
  t.pass(`${leader.name} leads`)

  const onLeader = await leader.service!.set({ digest: digest(1), region: 'eu', replicas: 3, reason: 'on the leader' })
  t.equal(onLeader.status, 'applied')
  const forwarded = await followers[0]!.service!.set({ digest: digest(2), region: 'us', replicas: 2, reason: 'forwarded', requestId: 'req-forwarded' })
  t.equal(forwarded.status, 'applied', 'a write on a follower is forwarded to the leader')
  t.ok(forwarded.index > onLeader.index, 'and committed after the first')
  const again = await leader.service!.set({ digest: digest(2), region: 'us', replicas: 9, reason: 'a retry', requestId: 'req-forwarded' })
  t.same(again, { index: forwarded.index, status: 'duplicate' }, 'a retried request id is applied once, answering the first index')
  const retried = await followers[1]!.service!.set({ digest: digest(2), region: 'us', replicas: 8, reason: 'another retry', requestId: 'req-forwarded' })
  // 'applied' when this follower applies the first entry while it waits: either way, the first index.
  t.equal(retried.index, forwarded.index, 'a retry through another follower answers the first index too')

  const observer = await c.observer('daemon-x')
  const viaClient = await observer.client.batch({
    writes: [
      { op: 'set', digest: digest(3), region: 'eu', replicas: 1, reason: 'batch' },
      { op: 'set', digest: digest(3), region: 'us', replicas: 4, reason: 'batch' },
      { op: 'clear', digest: digest(1), region: 'eu' }
    ]
  })
  t.equal(viaClient.status, 'applied', 'a batch from a daemon that is not a seed commits')

  const expected = rows([
    { digest: digest(2), region: 'us', replicas: 2, reason: 'forwarded', updatedAt: 0 },
    { digest: digest(3), region: 'eu', replicas: 1, reason: 'batch', updatedAt: 0 },
    { digest: digest(3), region: 'us', replicas: 4, reason: 'batch', updatedAt: 0 }
  ])
  for (const s of c.seeds) t.equal(rows(await s.service!.targets()), expected, `${s.name} reads every committed target (linearizable: no waiting for it to catch up)`)
  t.equal(rows(await observer.client.targets()), expected, 'the non-seed reads them through a seed')
  t.equal(rows(await followers[0]!.service!.targets({ region: 'us' })), rows([
    { digest: digest(2), region: 'us', replicas: 2, reason: 'forwarded', updatedAt: 0 },
    { digest: digest(3), region: 'us', replicas: 4, reason: 'batch', updatedAt: 0 }
  ]), 'filtered by region')
  t.equal((await observer.client.targets({ layer: digest(3) })).length, 2, 'filtered by layer, through a seed')
  const row = (await leader.service!.targets({ layer: digest(2) }))[0]!
  t.ok(row.updatedAt > Date.now() - 60_000 && row.updatedAt <= Date.now(), 'updatedAt is the time the leader accepted the write')

  await t.rejects(followers[0]!.service!.set({ digest: 'sha256:nothex', region: 'eu', replicas: 1, reason: '' }), { name: 'InvalidTargetCommandError' }, 'a bad digest is refused before anything is sent')
  await t.rejects(observer.client.set({ digest: digest(1), region: 'eu', replicas: -1, reason: '' }), { name: 'InvalidTargetCommandError' }, 'by the client too')
  await t.rejects(leader.service!.targets({ layer: 'not-a-digest' }), { name: 'InvalidTargetCommandError' })

  const st = await leader.service!.status()
  t.equal(st.role, 'leader')
  t.equal(st.seed, true)
  t.equal(st.members.length, 3)
  t.ok(st.members.every(m => m.connected && m.region != null && m.matchIndex != null && m.lag != null), `the leader reports each member: region, connected, match index and lag (${JSON.stringify(st.members)})`)
  await eventually(async () => (await followers[0]!.service!.status()).appliedIndex === st.commitIndex)
  const fst = await followers[0]!.service!.status()
  t.equal(fst.role, 'follower')
  t.equal(fst.leader, leader.id, 'a follower names the leader')
  const ost = await observer.client.status()
  t.equal(ost.role, 'observer')
  t.equal(ost.seed, false)
  t.equal(ost.leader, leader.id, 'a non-seed learns the leader from a seed')

  // Every seed published what it applied, in log order, ending with the batch's three changes.
  for (const s of c.seeds) {
    await eventually(() => s.applied.some(a => a.index === viaClient.index))
    const indexes = s.applied.map(a => a.index)
    t.same(indexes, [...indexes].sort((a, b) => a - b), `${s.name}: onApplied in log order`)
    const last = s.applied.find(a => a.index === viaClient.index)!
    t.same(last.changes.map(ch => [ch.digest.slice(-1), ch.region, ch.target?.replicas ?? null]), [['3', 'eu', 1], ['3', 'us', 4], ['1', 'eu', null]], `${s.name}: the batch's changes, a clear without a target`)
    t.notOk(s.applied.some(a => a.changes.some(ch => ch.digest === digest(2) && ch.target?.replicas !== 2)), `${s.name}: the retries changed nothing`)
  }
})

t.test('the leader stops: a new leader with every target; the old one restarts from its directory and catches up, through a snapshot', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 3, { snapshotEveryEntries: 5 })
  t.teardown(async () => { await c.teardown() })
  const first = await c.leader()
  for (let i = 0; i < 4; i++) await first.service!.set({ digest: digest(i), region: 'eu', replicas: i, reason: `before ${i}` })
  await c.stop(first)
  const rest = c.running()
  const second = await c.leader(rest)
  t.not(second.id, first.id, `${second.name} leads after ${first.name} stopped`)
  t.equal((await second.service!.targets()).length, 4, 'every committed target is intact')
  const other = rest.find(s => s !== second)!
  // Enough writes that the log is compacted past what the stopped seed has.
  for (let i = 4; i < 16; i++) await other.service!.set({ digest: digest(i), region: 'eu', replicas: i % 5, reason: `after ${i}` })
  const expected = rows(await second.service!.targets())

  await c.restart(first)
  t.ok(await eventually(async () => {
    const st = await first.service!.status()
    return st.leader === second.id && st.appliedIndex >= (await second.service!.status()).commitIndex
  }), `${first.name} restarted as a follower of ${second.name} and caught up`)
  t.equal(rows(await first.service!.targets()), expected, 'with every target')
  t.ok(first.applied.some(a => a.changes.length > 1 && a.changes.every(ch => ch.target != null)), 'it caught up through a snapshot (one install, many changes)')
  const w = await first.service!.set({ digest: digest(99), region: 'us', replicas: 1, reason: 'after the restart' })
  t.equal(w.status, 'applied', 'and takes writes again')
  for (const s of c.seeds) t.equal((await s.service!.targets({ layer: digest(99) })).length, 1, `${s.name} has it`)
})

t.test('a seed cut off from the others refuses writes with QuorumUnavailableError while the other two commit; healed, it catches up', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 3)
  t.teardown(async () => { await c.teardown() })
  const leader = await c.leader()
  await leader.service!.set({ digest: digest(1), region: 'eu', replicas: 1, reason: 'before' })
  // Cut off the leader itself: the hardest case (it must step down, not keep answering).
  await c.isolate(leader)
  const majority = c.seeds.filter(s => s !== leader)
  const refused = leader.service!.set({ digest: digest(2), region: 'eu', replicas: 2, reason: 'in the minority' })
  const next = await c.leader(majority)
  const committed = await next.service!.set({ digest: digest(3), region: 'eu', replicas: 3, reason: 'in the majority' })
  t.equal(committed.status, 'applied', `the majority (${next.name} leading) commits`)
  const err = await refused.then(() => undefined, (e: Error) => e)
  t.equal(err?.name, 'QuorumUnavailableError', 'the cut-off seed refused the write')
  t.match(err?.message, /1 of 3 seeds reachable, need 2/, `and says what is missing: ${err?.message}`)
  await t.rejects(leader.service!.targets(), { name: 'QuorumUnavailableError', message: /need 2/ }, 'and refuses linearizable reads')
  t.not((await leader.service!.status()).role, 'leader', 'it no longer claims to lead')

  await c.heal(leader)
  t.ok(await eventually(async () => (await leader.service!.targets({ layer: digest(3) })).length === 1), 'healed, it catches up')
  const all = await next.service!.targets()
  t.notOk(all.some(r => r.digest === digest(2)), 'the refused write was never committed')
  t.equal(rows(await leader.service!.targets()), rows(all), 'and agrees with the majority')
})

t.test('waiting writes and reads are bounded', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 3, { maxPendingWrites: 1, maxPendingReads: 1, requestTimeoutMs: 1500 })
  t.teardown(async () => { await c.teardown() })
  await c.leader()
  const lonely = c.seeds[0]!
  await c.isolate(lonely)
  await eventually(async () => (await lonely.service!.status()).leader == null)
  const waiting = lonely.service!.set({ digest: digest(1), region: 'eu', replicas: 1, reason: '' })
  await t.rejects(lonely.service!.set({ digest: digest(2), region: 'eu', replicas: 1, reason: '' }), { name: 'QuorumBusyError' }, 'a second waiting write is refused at once')
  await t.rejects(waiting, { name: 'QuorumUnavailableError', message: /^no leader: 1 of 3 seeds reachable, need 2$/ }, 'the first fails when its time is up, saying why')
})

t.test('a one-seed quorum commits alone; stop and start are safe twice', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 1)
  t.teardown(async () => { await c.teardown() })
  const s = c.seeds[0]!
  await c.leader()
  t.equal((await s.service!.set({ digest: digest(1), region: 'eu', replicas: 2, reason: 'alone' })).status, 'applied')
  await s.service!.start()
  await s.service!.stop()
  await s.service!.stop()
  await t.rejects(s.service!.targets(), { name: 'QuorumStoppedError' })
  await s.service!.start()
  await c.leader()
  t.equal((await s.service!.targets())[0]?.replicas, 2, 'restarted from its directory with its targets')
})

t.test('a failed storage write halts the seed: every call says so, nothing limps on', async t => {
  const node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await node.stop() })
  const memory = createMemoryRaftStorage()
  let failAfter = Infinity
  const storage: RaftStorage = {
    open: async () => await memory.open(),
    close: async () => { await memory.close() },
    write: async (w, o) => {
      if (memory.writes >= failAfter) throw Object.assign(new Error('disk full'), { name: 'DiskFullError' })
      await memory.write(w, o)
    }
  }
  const service = createQuorumService({ dir: 'unused', voters: [node.peerId.toString()], ...FAST }, { libp2p: node, logger, storage })
  await service.start()
  t.teardown(async () => { await service.stop() })
  t.equal((await service.set({ digest: digest(1), region: 'eu', replicas: 1, reason: '' })).status, 'applied', 'works on the in-memory twin')
  failAfter = memory.writes
  await t.rejects(service.set({ digest: digest(2), region: 'eu', replicas: 1, reason: '' }), { name: 'QuorumStoppedError', message: /halted: a Raft storage write failed \(disk full\)/ }, 'the waiting write is failed at once')
  await t.rejects(service.targets(), { name: 'QuorumStoppedError' }, 'and so is everything after')
  await t.rejects(service.status(), { name: 'QuorumStoppedError' })
  await service.stop()
  failAfter = Infinity
  await service.start()
  await eventually(async () => (await service.status()).role === 'leader')
  t.same((await service.targets()).map(r => r.digest), [digest(1)], 'restarted, it has what was stored, and not the write that failed')
})
