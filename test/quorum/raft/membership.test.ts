import t from 'tap'
import { TestCluster } from './cluster.js'

const voters = (c: TestCluster, id: string): string[] => c.get(id).raft.status().config.voters

t.test('a seed joins: the leader adds it, it catches up, and majorities count it from then on', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.add('d')
  t.same(voters(c, 'd'), [], 'a joiner knows no configuration')
  c.tick('d', 40)
  t.equal(c.get('d').raft.status().role, 'follower', 'and never campaigns')
  c.get('a').raft.proposeConfigChange({ type: 'add-voter', nodeId: 'd' })
  t.same(voters(c, 'a'), ['a', 'b', 'c', 'd'], 'in force on the leader as soon as appended')
  c.stabilize()
  t.same(voters(c, 'd'), ['a', 'b', 'c', 'd'], 'd learnt it from the log')
  t.equal(c.get('d').raft.status().commit, c.get('a').raft.status().commit)
  // Four voters: a and one more are not a majority.
  c.crash('c')
  c.crash('d')
  const { index } = c.propose('a', 'needs three')
  c.stabilize()
  t.ok(c.get('a').raft.status().commit < index, 'two of four cannot commit')
  c.restart('d')
  c.get('a').raft.tick()
  c.stabilize()
  t.equal(c.get('a').raft.status().commit, index, 'three of four can')
})

t.test('a seed leaves: it stops counting and stops receiving entries', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.get('a').raft.proposeConfigChange({ type: 'remove-voter', nodeId: 'c' })
  c.stabilize()
  t.same(voters(c, 'a'), ['a', 'b'])
  t.equal(c.get('c').raft.status().lastIndex, 2, 'c does not even hear of its removal (dissertation §4.2.2)')
  c.propose('a', 'x')
  c.stabilize()
  t.equal(c.get('c').raft.status().lastIndex, 2, 'nor of anything after')
  t.equal(c.get('a').raft.status().commit, 4, 'a and b commit alone')
})

t.test('one change at a time, and only once the leader has committed an entry of its term', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.get('a').raft.campaign()
  c.process()
  while (c.deliver(m => m.type !== 'append') > 0) { /* hold the no-op */ }
  const a = c.get('a').raft
  t.equal(a.status().role, 'leader')
  t.throws(() => a.proposeConfigChange({ type: 'add-voter', nodeId: 'd' }), { name: 'ConfigChangeError' }, 'before the no-op commits')
  c.stabilize()
  a.proposeConfigChange({ type: 'add-voter', nodeId: 'd' })
  t.throws(() => a.proposeConfigChange({ type: 'remove-voter', nodeId: 'b' }), { name: 'ConfigChangeError' }, 'while another change is uncommitted')
  t.throws(() => c.get('b').raft.proposeConfigChange({ type: 'add-voter', nodeId: 'e' }), { name: 'NotLeaderError' })
})

t.test('changes that are not one voter more or less are refused', async t => {
  const c = TestCluster.spawn(['a'])
  c.tick('a', 20)
  const a = c.get('a').raft
  t.throws(() => a.proposeConfigChange({ type: 'add-voter', nodeId: 'a' }), { name: 'ConfigChangeError' })
  t.throws(() => a.proposeConfigChange({ type: 'remove-voter', nodeId: 'z' }), { name: 'ConfigChangeError' })
  t.throws(() => a.proposeConfigChange({ type: 'remove-voter', nodeId: 'a' }), { name: 'ConfigChangeError' }, 'not the last voter')
  t.throws(() => a.proposeConfigChange({ type: 'add-voter', nodeId: '' }), { name: 'ConfigChangeError' })
  t.throws(() => a.proposeConfigChange({ type: 'rename' as 'add-voter', nodeId: 'b' }), { name: 'ConfigChangeError' })
})

t.test('a leader that removes itself keeps leading until the change commits, then steps down', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.get('a').raft.proposeConfigChange({ type: 'remove-voter', nodeId: 'a' })
  t.equal(c.get('a').raft.status().role, 'leader')
  c.stabilize()
  t.equal(c.get('a').raft.status().role, 'follower')
  t.same(voters(c, 'b'), ['b', 'c'])
  for (let i = 0; i < 40 && c.leader() == null; i++) {
    c.tick('b')
    c.tick('c')
    c.stabilize()
  }
  t.ok(['b', 'c'].includes(c.leader()?.id ?? ''), 'b or c takes over')
  c.tick('a', 40)
  t.equal(c.get('a').raft.status().role, 'follower', 'a never campaigns again')
})

t.test('a leader removing itself that loses its quorum before the change commits can still finish it', async t => {
  // a holds the only copy of the change; without it, b and c could never elect anyone.
  const c = TestCluster.spawn(['a', 'b'])
  c.elect('a')
  c.get('a').raft.proposeConfigChange({ type: 'remove-voter', nodeId: 'a' })
  c.drop()
  c.tick('a', 25)
  c.drop()
  t.equal(c.get('a').raft.status().role, 'follower', 'CheckQuorum stepped it down')
  t.same(voters(c, 'a'), ['b'], 'a is not in its latest configuration')
  t.same(voters(c, 'b'), ['a', 'b'], 'b never saw the change')
  for (let i = 0; i < 60 && c.get('b').raft.status().config.voters.length === 2; i++) {
    c.tick('a')
    c.tick('b')
    c.stabilize()
  }
  t.same(voters(c, 'b'), ['b'], 'a was elected again, by b alone, and committed its removal')
  for (let i = 0; i < 30 && c.leader()?.id !== 'b'; i++) {
    c.tick('b')
    c.stabilize()
  }
  t.equal(c.leader()?.id, 'b', 'and b leads the quorum of one')
})
