import t from 'tap'
import { createRaftNode } from '../../../src/quorum/raft/index.js'
import { TestCluster, counterRandom, text } from './cluster.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

t.test('compaction drops applied entries and hands out the snapshot to persist', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  for (let i = 0; i < 5; i++) c.propose('a', `x${i}`)
  c.stabilize()
  const a = c.get('a').raft
  a.compact(5, bytes('state@5'))
  const rd = a.ready()
  t.same(rd.compacted && { index: rd.compacted.index, term: rd.compacted.term, voters: rd.compacted.config.voters, data: text(rd.compacted) },
    { index: 5, term: 2, voters: ['a', 'b', 'c'], data: 'state@5' })
  t.equal(rd.mustSync, true)
  a.advance()
  t.equal(a.status().firstIndex, 6)
  t.equal(a.entry(5), undefined)
  t.equal(a.term(5), 2, 'the snapshot keeps the term of its last entry')
  t.throws(() => a.compact(99, bytes('x')), { name: 'InvalidRaftOptionError' }, 'not beyond what is applied')
  t.throws(() => a.compact(7, new Uint8Array(17 * 1024 * 1024)), { name: 'EntryTooLargeError' })
  a.compact(3, bytes('older'))
  t.equal(a.hasReady(), false, 'compacting to an older index does nothing')
})

t.test('a follower behind the compacted log receives the snapshot, installs it and catches up', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 6; i++) c.propose('a', `x${i}`)
  c.stabilize()
  c.get('a').raft.compact(6, bytes('state@6'))
  c.process('a')
  c.heal()
  c.propose('a', 'after')
  c.tick('a')
  c.stabilize()
  const n = c.get('c')
  t.same(n.installed.map(s => [s.index, text(s)]), [[6, 'state@6']])
  t.equal(n.disk.snapshot?.index, 6, 'persisted')
  t.same(n.disk.entries.map(e => e.index), [7, 8, 9], 'the stored log restarts after it')
  t.same(n.applied.map(e => e.index), [1, 2, 7, 8, 9], 'it applied nothing the snapshot holds')
  t.same(n.applied.filter(e => e.index > 6).map(text), ['x4', 'x5', 'after'], 'and then what follows')
  t.equal(n.raft.status().commit, 9)
})

t.test('a lost snapshot is sent again', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 4; i++) c.propose('a', `x${i}`)
  c.stabilize()
  c.get('a').raft.compact(6, bytes('s'))
  c.process('a')
  c.heal()
  c.tick('a')
  for (let i = 0; i < 4 && !c.inFlight.some(m => m.type === 'snapshot'); i++) c.deliver()
  t.ok(c.inFlight.some(m => m.type === 'snapshot'), 'a snapshot is on its way')
  c.drop(m => m.type === 'snapshot')
  c.stabilize()
  t.equal(c.get('c').installed.length, 0, 'the first copy was lost')
  t.equal(c.get('a').raft.status().progress?.c?.state, 'snapshot', 'the leader waits for an answer')
  for (let i = 0; i < 25; i++) {
    c.tick('a')
    c.stabilize()
  }
  t.equal(c.get('c').installed.length, 1, 'and gives up waiting after two election timeouts')
  t.equal(c.get('c').raft.status().commit, c.get('a').raft.status().commit)
})

t.test('a restart from disk resumes from the snapshot and replays what was committed after it', async t => {
  const c = TestCluster.spawn(['a'])
  c.tick('a', 20)
  for (let i = 0; i < 4; i++) c.propose('a', `x${i}`)
  c.process('a')
  c.get('a').raft.compact(4, bytes('s4'))
  c.process('a')
  const disk = structuredClone(c.get('a').disk)
  t.equal(disk.snapshot?.index, 4)
  const again = createRaftNode({ id: 'a', voters: ['a'], persisted: disk }, { random: counterRandom() })
  const s = again.status()
  t.same([s.term, s.commit, s.applied, s.firstIndex, s.lastIndex], [2, 6, 4, 5, 6])
  t.same(again.ready().committed.map(e => e.index), [5, 6], 'entries after the snapshot are handed out again')
})

t.test('persisted state that cannot be right is refused', async t => {
  const random = counterRandom()
  const e = (index: number, term: number) => ({ index, term, kind: 'noop' as const, data: new Uint8Array(0) })
  t.throws(() => createRaftNode({ id: 'a', persisted: { hardState: { term: 2, vote: null, commit: 0 }, entries: [e(1, 1), e(3, 2)] } }, { random }), { name: 'CorruptStateError' }, 'a gap')
  t.throws(() => createRaftNode({ id: 'a', persisted: { hardState: { term: 2, vote: null, commit: 5 }, entries: [e(1, 1)] } }, { random }), { name: 'CorruptStateError' }, 'commit past the log')
})
