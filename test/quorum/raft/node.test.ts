import { readFileSync } from 'node:fs'
import t from 'tap'
import * as constants from '../../../src/quorum/raft/constants.js'
import { encodeConfig } from '../../../src/quorum/raft/config.js'
import { createRaftNode } from '../../../src/quorum/raft/index.js'
import { counterRandom } from './cluster.js'
import type { RaftInit } from '../../../src/quorum/raft/index.js'

const UNIT: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 * 1024 }
const random = counterRandom()

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = readFileSync(new URL('../../../src/quorum/raft/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)(?: ?([A-Za-z]+))?\)/g)]
  t.ok(documented.length >= 7, 'every limit documents its default')
  for (const [, name = '', value = '', unit = ''] of documented) {
    t.equal((constants as Record<string, unknown>)[name], Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
  t.ok(constants.HEARTBEAT_TICKS < constants.ELECTION_TICKS)
  t.ok(constants.MESSAGE_MAX_BYTES > constants.SNAPSHOT_MAX_BYTES, 'a full snapshot fits in one message')
})

t.test('options are checked when the node is built', async t => {
  const bad: Array<[string, Partial<RaftInit> & Record<string, unknown>]> = [
    ['unknown option', { electionTimeout: 10 }],
    ['heartbeat not below election', { electionTicks: 5, heartbeatTicks: 5 }],
    ['non-integer ticks', { electionTicks: 2.5 }],
    ['too many entries per message', { maxEntriesPerMessage: constants.MAX_ENTRIES_PER_MESSAGE + 1 }],
    ['unknown bug', { unsafeTestBugs: { forgetEverything: true } as never }],
    ['empty id', { id: '' }],
    ['founders without this node', { voters: ['x', 'y'] }]
  ]
  for (const [what, init] of bad) {
    t.throws(() => createRaftNode({ id: 'a', ...init } as RaftInit, { random }), { name: 'InvalidRaftOptionError' }, what)
  }
  t.throws(() => createRaftNode({ id: 'a' }, {} as never), { name: 'InvalidRaftOptionError', message: /random/ }, 'randomness must be injected')
  t.throws(() => createRaftNode({ id: 'a', electionTimeout: 3 } as never, { random }), /unknown Raft option "electionTimeout"/, 'the message names the option')
})

t.test('the Ready protocol: one at a time, advance after each', async t => {
  const n = createRaftNode({ id: 'a', voters: ['a'] }, { random })
  t.throws(() => n.advance(), { name: 'ReadyProtocolError' })
  t.equal(n.hasReady(), true, 'the bootstrap entry is to be persisted')
  const rd = n.ready()
  t.same(rd.entries.map(e => [e.index, e.term, e.kind]), [[1, 1, 'config']])
  t.same(rd.hardState, { term: 1, vote: null, commit: 1 })
  t.same(rd.committed.map(e => e.index), [1])
  t.equal(rd.mustSync, true)
  t.equal(n.hasReady(), false, 'nothing more until advance()')
  t.throws(() => n.ready(), { name: 'ReadyProtocolError' })
  n.advance()
  t.equal(n.hasReady(), false)
  t.equal(n.status().applied, 1)
})

t.test('a Ready that only moves the commit index need not be synced', async t => {
  const n = createRaftNode({ id: 'b', voters: ['a', 'b'] }, { random })
  n.ready()
  n.advance()
  n.step({ type: 'append', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, commit: 1, entries: [{ index: 2, term: 2, kind: 'noop', data: new Uint8Array(0) }] })
  const first = n.ready()
  t.equal(first.mustSync, true, 'a new term and an entry')
  n.advance()
  n.step({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 2, context: '' })
  const second = n.ready()
  t.same(second.hardState, { term: 2, vote: null, commit: 2 })
  t.equal(second.mustSync, false, 'only commit moved: losing it in a crash is harmless')
  n.advance()
})

t.test('the replyBeforePersist test switch marks every Ready as not needing a sync', async t => {
  const n = createRaftNode({ id: 'b', voters: ['a', 'b'], unsafeTestBugs: { replyBeforePersist: true } }, { random })
  n.ready()
  n.advance()
  n.step({ type: 'vote', from: 'a', to: 'b', term: 5, lastIndex: 1, lastTerm: 1 })
  const rd = n.ready()
  t.equal(rd.hardState?.vote, 'a')
  t.equal(rd.mustSync, false, 'so a driver may send the vote before it is durable')
})

t.test('a restarted node keeps its term, vote and commit', async t => {
  const n = createRaftNode({
    id: 'b',
    voters: ['a', 'b', 'c'],
    persisted: { hardState: { term: 7, vote: 'c', commit: 1 }, entries: [{ index: 1, term: 1, kind: 'config', data: encodeConfig({ voters: ['a', 'b', 'c'] }) }] }
  }, { random })
  const s = n.status()
  t.same([s.term, s.vote, s.commit, s.role, s.config.voters], [7, 'c', 1, 'follower', ['a', 'b', 'c']])
  n.step({ type: 'vote', from: 'a', to: 'b', term: 7, lastIndex: 5, lastTerm: 6 })
  const rd = n.ready()
  t.same(rd.messages.map(m => (m as { granted: boolean }).granted), [false], 'it already voted for c in term 7')
})

t.test('proposals are bounded', async t => {
  const n = createRaftNode({ id: 'a', voters: ['a', 'b', 'c'], maxUncommittedEntries: 3 }, { random })
  t.throws(() => n.propose(new Uint8Array(1)), { name: 'NotLeaderError', leaderId: null })
  n.campaign()
  n.ready()
  n.advance()
  n.step({ type: 'pre-vote-response', from: 'b', to: 'a', term: 2, granted: true })
  n.ready()
  n.advance()
  n.step({ type: 'vote-response', from: 'b', to: 'a', term: 2, granted: true })
  t.equal(n.status().role, 'leader')
  t.throws(() => n.propose(new Uint8Array(constants.ENTRY_MAX_BYTES + 1)), { name: 'EntryTooLargeError' })
  n.propose(new Uint8Array(1))
  n.propose(new Uint8Array(1))
  t.throws(() => n.propose(new Uint8Array(1)), { name: 'RaftBusyError' }, 'three uncommitted (the no-op and two) is the limit')
})
