import t from 'tap'
import { TestCluster } from './cluster.js'

t.test('a founder that campaigns wins and commits a no-op of its term everywhere', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  const a = c.get('a').raft.status()
  t.equal(a.role, 'leader')
  t.equal(a.term, 2, 'term 1 is the bootstrap entry\'s')
  for (const id of ['a', 'b', 'c']) {
    const n = c.get(id)
    t.equal(n.raft.status().commit, 2, `${id} committed the no-op`)
    t.same(n.applied.map(e => `${e.index}/${e.term}/${e.kind}`), ['1/1/config', '2/2/noop'], `${id} applied bootstrap and no-op`)
    t.equal(n.raft.status().leaderId, 'a')
  }
})

t.test('a single seed elects itself when its election timer fires', async t => {
  const c = TestCluster.spawn(['a'])
  t.equal(c.get('a').raft.status().role, 'follower')
  c.tick('a', 20)
  t.equal(c.get('a').raft.status().role, 'leader')
  t.equal(c.get('a').raft.status().commit, 2)
})

t.test('with every timer running, randomized timeouts settle on one leader', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c', 'd', 'e'])
  for (let round = 0; round < 200 && c.leader() == null; round++) {
    for (const id of c.nodes.keys()) c.tick(id)
    c.stabilize()
  }
  const leaders = [...c.nodes.values()].filter(n => n.raft.status().role === 'leader')
  t.equal(leaders.length, 1)
  const term = leaders[0]!.raft.status().term
  for (const n of c.nodes.values()) t.equal(n.raft.status().term, term, `${n.id} is in the leader's term`)
})

t.test('a vote is persisted with its term before the reply that grants it leaves', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { preVote: false })
  c.get('b').raft.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastIndex: 1, lastTerm: 1 })
  const rd = c.get('b').raft.ready()
  t.same(rd.hardState, { term: 2, vote: 'c', commit: 1 }, 'term and vote in one hard state')
  t.equal(rd.mustSync, true, 'and they must be synced')
  t.same(rd.messages.map(m => [m.type, m.to, m.term, (m as { granted?: boolean }).granted]), [['vote-response', 'c', 2, true]])
  c.get('b').raft.advance()
})

t.test('a node grants one vote per term', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  const b = c.get('b').raft
  b.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastIndex: 1, lastTerm: 1 })
  b.step({ type: 'vote', from: 'a', to: 'b', term: 2, lastIndex: 1, lastTerm: 1 })
  b.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastIndex: 1, lastTerm: 1 })
  const granted = b.ready().messages.map(m => `${m.to}:${(m as { granted: boolean }).granted}`)
  t.same(granted, ['c:true', 'a:false', 'c:true'], 'the same candidate may ask again; no one else gets it')
})

t.test('a candidate whose log is behind cannot win (the election restriction, §5.4.1)', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.elect('a')
  c.cut('a', 'c')
  c.propose('a', 'x')
  c.stabilize()
  t.equal(c.get('b').raft.status().lastIndex, 3)
  t.equal(c.get('c').raft.status().lastIndex, 2)
  c.heal()
  c.elect('c')
  t.not(c.get('c').raft.status().role, 'leader', 'c lacks entry 3, which a majority holds')
  c.elect('b')
  t.equal(c.get('b').raft.status().role, 'leader', 'b holds it and wins')
})

t.test('pre-vote: a seed cut off and coming back does not raise anyone\'s term', async t => {
  for (const preVote of [true, false]) {
    const c = TestCluster.spawn(['a', 'b', 'c'], { preVote, checkQuorum: false })
    c.elect('a')
    c.isolate('c')
    c.tick('c', 100)
    c.stabilize()
    c.heal()
    c.tick('c', 30)
    c.stabilize()
    const a = c.get('a').raft.status()
    if (preVote) {
      t.equal(a.role, 'leader', 'with pre-vote the leader keeps leading')
      t.equal(a.term, 2, 'and its term')
      t.equal(c.get('c').raft.status().term, 2, 'the returning seed never raised its own term either')
    } else {
      t.ok(a.term > 2, 'without pre-vote the returning seed forces a new term (the control)')
    }
  }
})

t.test('CheckQuorum: a leader cut off from the majority steps down within an election timeout', async t => {
  for (const checkQuorum of [true, false]) {
    const c = TestCluster.spawn(['a', 'b', 'c'], { checkQuorum })
    c.elect('a')
    c.isolate('a')
    c.tick('a', 25)
    c.stabilize()
    t.equal(c.get('a').raft.status().role, checkQuorum ? 'follower' : 'leader', `checkQuorum ${String(checkQuorum)}`)
  }
})

t.test('CheckQuorum: followers hearing from a leader ignore vote requests of a higher term (the lease)', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  const b = c.get('b').raft
  b.step({ type: 'vote', from: 'c', to: 'b', term: 9, lastIndex: 99, lastTerm: 8 })
  t.equal(b.status().term, 2, 'term unchanged')
  t.equal(b.hasReady(), false, 'no answer at all')
  c.tick('b', 10)
  b.step({ type: 'pre-vote', from: 'c', to: 'b', term: 9, lastIndex: 99, lastTerm: 8 })
  t.equal(b.ready().messages.some(m => m.type === 'pre-vote-response' && m.granted), true, 'once the lease ran out it may grant')
  b.advance()
  t.equal(b.status().term, 2, 'a granted pre-vote changes nobody\'s term')
})

t.test('a deposed leader learns the new term from the answer to its append and steps down', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { checkQuorum: false })
  c.elect('a')
  c.isolate('a')
  for (let i = 0; i < 100 && c.get('b').raft.status().role !== 'leader' && c.get('c').raft.status().role !== 'leader'; i++) {
    c.tick('b')
    c.tick('c')
    c.stabilize()
  }
  const leader = [c.get('b'), c.get('c')].find(n => n.raft.status().role === 'leader')
  t.ok(leader != null && leader.id !== 'a', 'b or c leads a later term')
  t.equal(c.get('a').raft.status().role, 'leader', 'a, cut off, still believes it leads')
  c.heal()
  c.propose('a', 'late')
  c.stabilize()
  t.equal(c.get('a').raft.status().role, 'follower')
  t.equal(c.get('a').raft.status().term, leader!.raft.status().term)
  t.notOk(c.get('a').applied.some(e => e.kind === 'command'), 'its late proposal never committed')
})
