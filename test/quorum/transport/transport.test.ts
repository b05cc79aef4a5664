/**
 * The Raft transport between real libp2p nodes on loopback: messages
 * arrive whole and in order; a peer that is not a voter, a message whose
 * `from` is not its sender, and a message over MESSAGE_MAX_BYTES are
 * refused; the send queue is bounded; a peer that goes away and comes back
 * (same key, new address) is dialled again.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { createNode, type ShoalLibp2p } from '../../../src/node/create.js'
import { encodeMessage, MESSAGE_MAX_BYTES, RAFT_PROTOCOL } from '../../../src/quorum/raft/index.js'
import * as constants from '../../../src/quorum/transport/constants.js'
import { createRaftTransport, type RaftTransport } from '../../../src/quorum/transport/index.js'
import { eventually, logger } from '../service/cluster.js'
import type { Message } from '../../../src/quorum/raft/index.js'
import type { PrivateKey } from '@libp2p/interface'

interface Peer {
  key: PrivateKey
  id: string
  node: ShoalLibp2p
  transport: RaftTransport
  got: Message[]
}

async function peer (voters: Set<string>, key?: PrivateKey, init: { maxMessages?: number } = {}): Promise<Peer> {
  key ??= await generateKeyPair('Ed25519')
  const node = await createNode({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const got: Message[] = []
  const transport = createRaftTransport({ isVoter: p => voters.has(p), onMessage: m => { got.push(m) }, reconnectMinMs: 20, reconnectMaxMs: 200, ...init }, { libp2p: node, logger })
  await transport.start()
  return { key, id: node.peerId.toString(), node, transport, got }
}

function heartbeat (from: string, to: string, term: number): Message {
  return { type: 'heartbeat', from, to, term, commit: 0, context: '' }
}

async function stop (...peers: Peer[]): Promise<void> {
  for (const p of peers) {
    await p.transport.stop()
    await p.node.stop()
  }
}

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = readFileSync(new URL('../../../src/quorum/transport/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)\)/g)]
  t.ok(documented.length >= 5, 'every option documents its default')
  for (const [, name = '', value = ''] of documented) t.equal((constants as Record<string, unknown>)[name], Number(value), `${name} = ${value}`)
  t.ok(constants.SEND_QUEUE_MAX_BYTES >= MESSAGE_MAX_BYTES, 'a full snapshot fits in the queue')
  t.throws(() => createRaftTransport({ isVoter: () => true, onMessage: () => {}, maxMessages: 0 }, { libp2p: {} as never, logger }), { name: 'InvalidRaftTransportOptionError', message: /maxMessages/ })
  t.throws(() => createRaftTransport({ isVoter: () => true, onMessage: () => {}, queue: 1 } as never, { libp2p: {} as never, logger }), { name: 'InvalidRaftTransportOptionError', message: /unknown Raft transport option "queue"/ })
})

t.test('voters exchange messages in order, each through the codec', async t => {
  const voters = new Set<string>()
  const a = await peer(voters)
  const b = await peer(voters)
  voters.add(a.id).add(b.id)
  t.teardown(async () => { await stop(a, b) })
  await a.node.dial(b.node.getMultiaddrs()[0]!)
  const accepted = Array.from({ length: 50 }, (_, i) => a.transport.send(heartbeat(a.id, b.id, i + 1))).filter(Boolean).length
  t.equal(accepted, 50, 'all queued')
  t.ok(await eventually(() => b.got.length === 50, 10_000), `all 50 arrived (${b.got.length})`)
  t.same(b.got.map(m => m.term), Array.from({ length: 50 }, (_, i) => i + 1), 'in order')
  t.same(b.got[0], heartbeat(a.id, b.id, 1), 'whole')
  b.transport.send(heartbeat(b.id, a.id, 7))
  t.ok(await eventually(() => a.got.length === 1, 10_000), 'and back, on a stream of its own')
  t.ok(a.transport.connected(b.id), 'connected')
})

t.test('refused: a peer that is not a voter, a message not from its sender, one over the size limit', async t => {
  const voters = new Set<string>()
  const a = await peer(voters)
  const b = await peer(voters)
  const stranger = await peer(voters)
  voters.add(a.id).add(b.id)
  const absent = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  voters.add(absent)
  t.teardown(async () => { await stop(a, b, stranger) })

  const send = async (from: Peer, bytes: Uint8Array[]): Promise<string> => {
    const stream = await from.node.dialProtocol(b.node.getMultiaddrs()[0]!, RAFT_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: MESSAGE_MAX_BYTES * 2 })
    try {
      for (const chunk of bytes) await lp.write(chunk)
      await lp.read({ signal: AbortSignal.timeout(10_000) })
      return 'answered'
    } catch (err) {
      return (err as Error).name
    }
  }
  // The receiver never writes on a Raft stream: the read ends only when the stream is reset (not by the timeout).
  const resetOrEnd = /^(StreamResetError|UnexpectedEOFError|StreamAbortedError|StreamClosedError|StreamStateError)$/
  t.match(await send(stranger, [encodeMessage(heartbeat(stranger.id, b.id, 1))]), resetOrEnd, 'a stranger\'s stream is reset')
  t.match(await send(a, [encodeMessage(heartbeat(absent, b.id, 1))]), resetOrEnd, 'a voter sending as another voter: reset')
  t.equal(b.got.length, 0, 'nothing reached the core')

  // A length prefix over the limit: the stream is reset before the body is read.
  const stream = await a.node.dialProtocol(b.node.getMultiaddrs()[0]!, RAFT_PROTOCOL)
  stream.send(varint.encode(MESSAGE_MAX_BYTES + 1))
  const closed = await eventually(() => stream.status !== 'open', 10_000)
  t.ok(closed, `an oversized message resets the stream (${stream.status})`)
  t.notOk(a.transport.send({ type: 'snapshot', from: a.id, to: b.id, term: 1, snapshot: { index: 1, term: 1, config: { voters: [a.id] }, data: new Uint8Array(MESSAGE_MAX_BYTES) } }), 'and this side will not send one')

  a.transport.send(heartbeat(a.id, b.id, 3))
  t.ok(await eventually(() => b.got.length === 1, 10_000), 'an honest voter still gets through')
  t.notOk(a.transport.send(heartbeat(a.id, stranger.id, 1)), 'and nothing is sent to a non-voter')
})

t.test('the send queue is bounded; a peer that comes back is dialled again', async t => {
  const voters = new Set<string>()
  const a = await peer(voters, undefined, { maxMessages: 4 })
  let b = await peer(voters)
  voters.add(a.id).add(b.id)
  t.teardown(async () => { await stop(a, b) })
  await a.node.dial(b.node.getMultiaddrs()[0]!)
  const bAddr = b.node.getMultiaddrs()[0]!
  await stop(b)

  const accepted = Array.from({ length: 20 }, (_, i) => a.transport.send(heartbeat(a.id, b.id, i + 1))).filter(Boolean).length
  t.equal(accepted, 4, 'only maxMessages wait; the rest are dropped at once')
  t.ok(await eventually(() => (a.transport.stats().peers[b.id]?.dialFailures ?? 0) > 0, 10_000), 'the absent peer cannot be dialled')
  t.equal(a.transport.stats().peers[b.id]?.queued, 0, 'and what waited for it is dropped, not kept')

  b = await peer(voters, b.key)
  await b.node.dial(a.node.getMultiaddrs()[0]!)
  t.not(b.node.getMultiaddrs()[0]!.toString(), bAddr.toString(), 'it came back on another address')
  // Raft keeps sending: the first messages after the reconnect arrive.
  t.ok(await eventually(() => {
    a.transport.send(heartbeat(a.id, b.id, 100))
    return b.got.some(m => m.term === 100)
  }, 20_000), 'messages flow again')
})
