import t from 'tap'
import { TestCluster, text } from './cluster.js'

const commands = (c: TestCluster, id: string): string[] => c.get(id).applied.filter(e => e.kind === 'command').map(text)

t.test('proposals replicate and every seed applies them in the same order', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { maxEntriesPerMessage: 2 })
  c.elect('a')
  for (let i = 0; i < 7; i++) c.propose('a', `cmd${i}`)
  c.stabilize()
  const expected = Array.from({ length: 7 }, (_, i) => `cmd${i}`)
  for (const id of ['a', 'b', 'c']) t.same(commands(c, id), expected, id)
})

t.test('a proposal on a follower is refused with the leader named', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  t.throws(() => c.get('b').raft.propose(new Uint8Array(1)), { name: 'NotLeaderError', leaderId: 'a' })
})

t.test('a follower acknowledges entries in the Ready that persists them, so only once they are durable', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'])
  c.elect('a')
  c.propose('a', 'x')
  const append = c.inFlight.find(m => m.type === 'append' && m.to === 'b')!
  c.drop()
  c.get('b').raft.step(append)
  const rd = c.get('b').raft.ready()
  t.same(rd.entries.map(e => e.index), [3])
  t.equal(rd.mustSync, true)
  t.same(rd.messages.map(m => [m.type, (m as { index: number }).index]), [['append-response', 3]])
  c.get('b').raft.advance()
})

t.test('a leader counts its own entries only once they are on its disk', async t => {
  const c = TestCluster.spawn(['a'])
  c.tick('a', 20)
  const a = c.get('a').raft
  const { index } = a.propose(new Uint8Array([1]))
  const rd = a.ready()
  t.same(rd.entries.map(e => e.index), [index])
  t.equal(a.status().commit, index - 1, 'not committed while the entry is being written')
  a.advance()
  t.equal(a.status().commit, index, 'committed once advance() says it is durable')
  t.same(a.ready().committed.map(e => e.index), [index])
  a.advance()
})

/**
 * Figure 8 of the Raft paper. a (term 2) writes X at index 3 and reaches
 * nobody; b (term 3) writes its no-op at 3 and reaches nobody; a (term 4)
 * replicates X to c, so X is on a majority. Counting it would commit X; then
 * b (term 5) can win with c's vote and overwrite X on c: a committed entry
 * lost. A leader may count only entries of its own term.
 */
function figure8 (commitEarlierTerm: boolean): TestCluster {
  const c = TestCluster.spawn(['a', 'b', 'c'], { maxEntriesPerMessage: 1, preVote: false, checkQuorum: false, unsafeTestBugs: { commitEarlierTerm } })
  c.elect('a')
  c.isolate('a')
  c.propose('a', 'X')
  c.stabilize()
  c.heal()
  c.isolate('a')
  c.get('b').raft.campaign()
  c.process()
  while (c.deliver(m => m.type !== 'append') > 0) { /* votes only: b's no-op reaches nobody */ }
  c.drop(m => m.from === 'b')
  c.crash('b')
  c.heal()
  c.crash('a')
  c.restart('a')
  c.elect('a') // term 3: c has already voted for b in it
  c.get('a').raft.campaign()
  c.process()
  // Everything flows until c holds X; then a is cut off before its no-op reaches c.
  for (let i = 0; i < 20 && c.inFlight.length > 0; i++) c.deliver(m => !(m.from === 'a' && c.get('c').raft.status().lastIndex >= 3))
  c.drop()
  return c
}

t.test('Figure 8: a leader never commits an earlier term\'s entry by counting replicas', async t => {
  const c = figure8(false)
  const a = c.get('a').raft
  t.equal(a.status().role, 'leader')
  t.equal(a.status().term, 4)
  t.equal(c.get('c').raft.term(3), 2, 'X (term 2) is on a and c: a majority')
  t.equal(a.status().commit, 2, 'yet it is not committed: its term is not the leader\'s')
  c.crash('a')
  c.restart('b')
  c.elect('b')
  c.elect('b')
  t.equal(c.get('b').raft.status().role, 'leader')
  t.equal(c.get('c').raft.term(3), 3, 'b overwrote X, which was never committed, so nothing was lost')
})

t.test('Figure 8 with the classic bug switched on: the committed entry is overwritten', async t => {
  const c = figure8(true)
  t.equal(c.get('a').raft.status().commit, 3, 'the buggy leader committed X by counting')
  c.crash('a')
  c.restart('b')
  c.elect('b')
  c.elect('b')
  t.equal(c.get('c').raft.term(3), 3, 'and b overwrote it on c: State Machine Safety is gone')
})

t.test('a follower truncates only on a conflict: a delayed append does not cut acknowledged entries', async t => {
  for (const truncateWithoutConflict of [false, true]) {
    const c = TestCluster.spawn(['a', 'b', 'c'], { maxEntriesPerMessage: 1, unsafeTestBugs: { truncateWithoutConflict } })
    c.elect('a')
    c.propose('a', 'x1')
    c.propose('a', 'x2')
    c.propose('a', 'x3')
    // The append carrying entry 3 arrives twice, the copy after the later ones.
    const copy = c.inFlight.find(m => m.type === 'append' && m.to === 'b' && m.entries[0]?.index === 3)!
    c.deliver(m => m.to === 'b')
    t.equal(c.get('b').raft.status().lastIndex, 5, 'b holds and acknowledged entries 3 to 5')
    c.inFlight.push(copy)
    c.deliver(m => m.to === 'b')
    const last = c.get('b').raft.status().lastIndex
    if (truncateWithoutConflict) t.equal(last, 3, 'the bug: the stale copy cut entries 4 and 5, which b had acknowledged')
    else t.equal(last, 5, 'the stale copy (prev 2, entry 3) changed nothing')
  }
})

t.test('a follower\'s conflicting uncommitted entries are replaced by the leader\'s', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
  c.elect('a')
  c.isolate('a')
  for (let i = 0; i < 5; i++) c.propose('a', `lost${i}`)
  c.stabilize()
  c.heal()
  c.isolate('a')
  c.elect('b')
  c.propose('b', 'kept')
  c.stabilize()
  c.heal()
  c.propose('b', 'after')
  c.tick('b') // a heartbeat: b's probe to a went unanswered while a was cut off
  c.stabilize()
  const a = c.get('a')
  t.equal(a.raft.status().role, 'follower')
  t.same(commands(c, 'a'), ['kept', 'after'], 'a dropped its term-2 entries for the leader\'s')
  for (let i = 1; i <= a.raft.status().lastIndex; i++) t.equal(a.raft.term(i), c.get('b').raft.term(i), `entry ${i} matches the leader's`)
})

t.test('a far-behind follower with a divergent log catches up in a few round trips (fast backtracking)', async t => {
  const c = TestCluster.spawn(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
  c.elect('a')
  c.isolate('a')
  for (let i = 0; i < 40; i++) c.propose('a', `stale${i}`)
  c.stabilize()
  c.heal()
  c.isolate('a')
  c.elect('b')
  for (let i = 0; i < 40; i++) c.propose('b', `fresh${i}`)
  c.stabilize()
  // c takes over: it probes a at its own last index, 40 entries past where a's log matches.
  c.elect('c')
  c.heal()
  let rejections = 0
  c.tick('c')
  for (let round = 0; round < 50 && c.inFlight.length > 0; round++) {
    rejections += c.inFlight.filter(m => m.type === 'append-response' && m.reject).length
    c.deliver()
  }
  t.equal(c.get('a').raft.status().lastIndex, c.get('c').raft.status().lastIndex)
  t.equal(c.get('a').raft.term(42), c.get('c').raft.term(42), 'a\'s divergent entries are replaced')
  t.ok(rejections >= 1 && rejections <= 2, `${rejections} rejections, not one per divergent entry`)
})
