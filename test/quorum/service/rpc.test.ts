/**
 * QUORUM_PROTOCOL's messages and the service's options: every field is
 * checked both ways, errors come back as their own classes, the documented
 * defaults are the constants; and a seed answers garbage with a
 * QuorumProtocolError instead of falling over. A client fails over to
 * another seed, and says so when none answers.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { createNode } from '../../../src/node/create.js'
import * as raftConstants from '../../../src/quorum/raft/constants.js'
import * as constants from '../../../src/quorum/service/constants.js'
import { createQuorumClient, createQuorumService, QUORUM_PROTOCOL } from '../../../src/quorum/service/index.js'
import { NotLeaderError } from '../../../src/quorum/raft/errors.js'
import { decodeRequest, decodeResponse, encodeAnswer, encodeError, encodeRequest } from '../../../src/quorum/service/rpc.js'
import { QuorumUnavailableError } from '../../../src/quorum/service/errors.js'
import { SeedCluster, digest, logger } from './cluster.js'
import type { QuorumRequest } from '../../../src/quorum/service/rpc.js'

const bytes = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = readFileSync(new URL('../../../src/quorum/service/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)\)/g)]
  t.ok(documented.length >= 7, 'every limit documents its default')
  const all = { ...raftConstants, ...constants } as Record<string, unknown>
  for (const [, name = '', value = ''] of documented) t.equal(all[name], Number(value), `${name} = ${value}`)
  t.ok(constants.QUORUM_REQUEST_MAX_BYTES > raftConstants.ENTRY_MAX_BYTES, 'a request holds the largest command')
})

t.test('options are checked when the service or client is built', async t => {
  const node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await node.stop() })
  const self = node.peerId.toString()
  const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const components = { libp2p: node, logger }
  const bad: Array<[string, object, RegExp]> = [
    ['unknown option', { dir: 'x', voters: [self], electionTimeoutMs: 1000 }, /unknown quorum service option "electionTimeoutMs"/],
    ['no dir', { voters: [self] }, /dir is required/],
    ['voters without this node', { dir: 'x', voters: [other] }, /must include this node/],
    ['a voter that is not a peer id', { dir: 'x', voters: [self, 'seed-b'] }, /"seed-b" is not a peer id/],
    ['a voter twice', { dir: 'x', voters: [self, self] }, /twice/],
    ['tickMs 0', { dir: 'x', voters: [self], tickMs: 0 }, /tickMs must be an integer from 1/],
    ['electionTicks 1', { dir: 'x', voters: [self], electionTicks: 1 }, /electionTicks must be an integer from 2/],
    ['regions not a map', { dir: 'x', voters: [self], regions: ['eu'] }, /regions maps peer ids/]
  ]
  for (const [what, init, message] of bad) {
    t.throws(() => createQuorumService(init as never, components), { name: 'InvalidQuorumOptionError', message }, what)
  }
  t.throws(() => createQuorumClient({ seeds: [] }, components), { name: 'InvalidQuorumOptionError', message: /1 to 9 peer ids/ })
  t.throws(() => createQuorumClient({ seeds: [other], timeoutMs: 5 } as never, components), { name: 'InvalidQuorumOptionError', message: /unknown quorum client option "timeoutMs"/ })
})

t.test('requests: round trip, and every field checked', async t => {
  const write: QuorumRequest = { v: 1, op: 'write', requestId: 'r1', writes: [{ op: 'set', digest: digest(1), region: 'eu', replicas: 2, reason: 'x' }], leaderOnly: true, timeoutMs: 1000 }
  for (const req of [write, { v: 1, op: 'status' }, { v: 1, op: 'targets', region: 'eu' }] as QuorumRequest[]) t.same(decodeRequest(encodeRequest(req)), req, req.op)
  const refused: Array<[string, unknown, string, RegExp]> = [
    ['not JSON', '{', 'QuorumProtocolError', /not JSON/],
    ['another version', { v: 2, op: 'status' }, 'QuorumProtocolError', /version 2/],
    ['unknown op', { v: 1, op: 'delete' }, 'QuorumProtocolError', /op "delete"/],
    ['no timeout', { ...write, timeoutMs: undefined }, 'QuorumProtocolError', /timeoutMs/],
    ['a bad write', { ...write, writes: [{ op: 'set', digest: 'sha256:x', region: 'eu', replicas: 1, reason: '' }] }, 'InvalidTargetCommandError', /digest/],
    ['too large', { ...write, requestId: 'x'.repeat(constants.QUORUM_REQUEST_MAX_BYTES) }, 'QuorumProtocolError', /at most/]
  ]
  for (const [what, o, name, message] of refused) {
    t.throws(() => decodeRequest(typeof o === 'string' ? new TextEncoder().encode(o) : bytes(o)), { name, message }, what)
  }
})

t.test('answers: checked, and errors rebuilt as their classes', async t => {
  t.same(decodeResponse(encodeAnswer({ result: { index: 4, status: 'applied' } }), 'write'), { result: { index: 4, status: 'applied' } })
  const notLeader = (() => { try { decodeResponse(encodeError(new NotLeaderError('12D3KooWleader')), 'write') } catch (err) { return err as NotLeaderError } })()
  t.equal(notLeader?.name, 'NotLeaderError')
  t.equal(notLeader?.leaderId, '12D3KooWleader', 'naming the leader')
  t.throws(() => decodeResponse(encodeError(new QuorumUnavailableError('no leader: 1 of 3 seeds reachable, need 2', { reachable: 1, voters: 3, need: 2 })), 'targets'), { name: 'QuorumUnavailableError', message: 'no leader: 1 of 3 seeds reachable, need 2' })
  t.throws(() => decodeResponse(encodeError(new TypeError('oops')), 'status'), { name: 'QuorumRemoteError', message: 'TypeError: oops' }, 'an error this side does not know')
  t.throws(() => decodeResponse(bytes({ ok: true, targets: [{ digest: 'x', region: 'eu', replicas: 1, reason: '', updatedAt: 1 }] }), 'targets'), { name: 'QuorumProtocolError', message: /bad target/ })
  t.throws(() => decodeResponse(bytes({ ok: true, result: { index: 1, status: 'maybe' } }), 'write'), { name: 'QuorumProtocolError' })
  t.throws(() => decodeResponse(bytes({ ok: true, status: { role: 'king' } }), 'status'), { name: 'QuorumProtocolError' })
  const many = Array.from({ length: 120_000 }, (_, i) => ({ digest: digest(i), region: 'eu', replicas: 1, reason: 'a reason of some length', updatedAt: 1 }))
  t.throws(() => encodeAnswer({ targets: many }), { name: 'QuorumAnswerTooLargeError', message: /120000 targets .* filter by layer or region/ })
})

t.test('a seed answers garbage with a QuorumProtocolError; a client fails over, and says when no seed answers', async t => {
  const c = await SeedCluster.spawn(t.testdir(), 3)
  t.teardown(async () => { await c.teardown() })
  const leader = await c.leader()
  const observer = await c.observer('daemon-x')
  const stream = await observer.node.dialProtocol(leader.node!.peerId, QUORUM_PROTOCOL)
  const lp = lpStream(stream)
  await lp.write(new TextEncoder().encode('{"v":1,"op":"drop-tables"}'))
  const answer = (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()
  t.throws(() => decodeResponse(answer, 'status'), { name: 'QuorumProtocolError', message: /drop-tables/ })

  const follower = c.seeds.find(s => s !== leader)!
  await c.stop(follower)
  for (let i = 0; i < 3; i++) {
    // Three calls, so the rotation puts the stopped seed first at least once.
    t.equal((await observer.client.set({ digest: digest(i), region: 'eu', replicas: 1, reason: '' })).status, 'applied', `write ${i + 1} with a seed down`)
  }
  for (const s of c.running()) await c.stop(s)
  const err = await observer.client.targets().then(() => undefined, (e: Error) => e)
  t.equal(err?.name, 'QuorumUnavailableError')
  t.match(err?.message, /^no seed answered \(0 of 3 seeds reachable, need 2\)/, err?.message ?? 'no error')
  const st = await observer.client.status()
  t.same([st.role, st.seed, st.leader, st.members.length, st.members.some(m => m.connected)], ['observer', false, undefined, 3, false], 'status still answers, with what this daemon knows')
})
