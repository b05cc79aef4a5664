import t from 'tap'
import { TestCluster } from './cluster.js'

t.test('a read on the leader is released at its commit index after a quorum echoes the heartbeat', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.propose('a', 'x')
  c.stabilize()
  const a = c.get('a')
  a.raft.readIndex('r1')
  c.process('a')
  t.same(a.readStates, [], 'not before a quorum confirms a still leads')
  const heartbeats = c.inFlight.filter(m => m.type === 'heartbeat')
  t.same(heartbeats.map(m => (m as { context: string }).context), ['r1', 'r1'], 'the heartbeats carry the read')
  c.stabilize()
  t.same(a.readStates, [{ index: 3, context: 'r1' }])
})

t.test('a read on a follower goes through the leader and comes back as the follower\'s ReadState', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.get('b').raft.readIndex('rb')
  c.stabilize()
  t.same(c.get('b').readStates, [{ index: 2, context: 'rb' }])
  t.same(c.get('a').readStates, [])
})

t.test('a new leader serves no read until it has committed an entry of its term', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.elect('a')
  c.propose('a', 'x')
  c.stabilize()
  // b takes over; its no-op is held back, so it does not know the latest commit yet.
  c.get('b').raft.campaign()
  c.process('b')
  while (c.deliver(m => m.type !== 'append') > 0) { /* elect, hold the no-op */ }
  const b = c.get('b')
  t.equal(b.raft.status().role, 'leader')
  b.raft.readIndex('early')
  c.process('b')
  c.deliver(m => m.type !== 'append')
  t.same(b.readStates, [], 'held back')
  c.stabilize()
  t.same(b.readStates, [{ index: 4, context: 'early' }], 'released at the commit index that includes the no-op')
})

t.test('a leader cut off from the quorum never confirms a read', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { checkQuorum: false })
  c.elect('a')
  c.isolate('a')
  c.get('a').raft.readIndex('stale?')
  c.stabilize()
  for (let i = 0; i < 30; i++) c.tick('a')
  c.stabilize()
  t.same(c.get('a').readStates, [], 'a deposed leader could otherwise serve a stale read')
})

t.test('a single seed answers reads at once', async t => {
  const c = TestCluster.spawn(['a'])
  c.tick('a', 20)
  c.get('a').raft.readIndex('solo')
  c.process('a')
  t.same(c.get('a').readStates, [{ index: 2, context: 'solo' }])
})

t.test('reads are refused without a known leader, beyond the limit, or with a bad context', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { maxPendingReads: 2 })
  t.throws(() => c.get('a').raft.readIndex('r'), { name: 'NotLeaderError' })
  c.elect('a')
  const a = c.get('a').raft
  a.readIndex('r1')
  a.readIndex('r2')
  t.throws(() => a.readIndex('r3'), { name: 'RaftBusyError' })
  t.throws(() => a.readIndex(''), { name: 'InvalidRaftOptionError' })
  t.throws(() => a.readIndex('x'.repeat(200)), { name: 'InvalidRaftOptionError' })
})
