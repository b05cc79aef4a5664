import t from 'tap'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { createNode, fastMessageId } from '../../src/node/create.js'
import { eventually } from '../utils/system.js'
import { loadOrCreatePeerKey, PEER_KEY_FILE } from '../../src/node/keys.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

t.test('the peer key is made once, kept 0600, and gives the same peer id after a restart', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-key-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const k1 = await loadOrCreatePeerKey(dir)
  const k2 = await loadOrCreatePeerKey(dir)
  t.equal(peerIdFromPrivateKey(k1).toString(), peerIdFromPrivateKey(k2).toString())
  t.equal((await stat(join(dir, PEER_KEY_FILE))).mode & 0o777, 0o600)
  await writeFile(join(dir, PEER_KEY_FILE), 'garbage')
  await t.rejects(loadOrCreatePeerKey(dir), { name: 'PeerKeyError', message: /not a libp2p private key/ })
})

t.test('a swarm key closes the swarm: same key connects, a different key or none does not', async t => {
  const key = (): Uint8Array => { const k = new Uint8Array(95); generateKey(k); return k }
  const k1 = key()
  const k2 = key()
  const mk = async (swarmKey?: Uint8Array): ReturnType<typeof createNode> => createNode({
    privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ...(swarmKey != null ? { swarmKey } : {})
  })
  const a = await mk(k1)
  const b = await mk(k1)
  const c = await mk(k2)
  const d = await mk()
  t.teardown(async () => { await Promise.all([a, b, c, d].map(async n => n.stop())) })
  await b.dial(a.getMultiaddrs()[0]!)
  t.equal(b.getConnections(a.peerId).length, 1, 'same key: connected')
  await t.rejects(c.dial(a.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) }), 'different key: refused')
  await t.rejects(d.dial(a.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) }), 'no key: refused')
})

t.test('gossip copies share a fast id (author and sequence number); other messages do not', async t => {
  const from = Uint8Array.from([1, 2, 3])
  const a = fastMessageId({ from, seqno: Uint8Array.from([0, 0, 0, 1]) })
  t.equal(fastMessageId({ from: Uint8Array.from([1, 2, 3]), seqno: Uint8Array.from([0, 0, 0, 1]) }), a, 'a copy')
  t.not(fastMessageId({ from, seqno: Uint8Array.from([0, 0, 0, 2]) }), a, 'the next message of the same author')
  t.not(fastMessageId({ from: Uint8Array.from([1, 2, 4]), seqno: Uint8Array.from([0, 0, 0, 1]) }), a, 'another author')
  const big = new Uint8Array(16)
  t.equal(fastMessageId({ from: big.subarray(4, 7).fill(1), seqno: Uint8Array.from([5]) }), fastMessageId({ from: Uint8Array.from([1, 1, 1]), seqno: Uint8Array.from([5]) }), 'views of a larger buffer read only their own bytes')
})

t.test('gossip with fast ids reaches every subscriber of a mesh of three exactly once', async t => {
  const nodes = await Promise.all([0, 1, 2].map(async () => createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })))
  t.teardown(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  await b.dial(a.getMultiaddrs()[0]!)
  await c.dial(a.getMultiaddrs()[0]!)
  await c.dial(b.getMultiaddrs()[0]!)
  const got = new Map<string, string[]>()
  for (const [name, n] of [['b', b], ['c', c]] as const) {
    got.set(name, [])
    n.services.pubsub.subscribe('t')
    n.services.pubsub.addEventListener('message', evt => { got.get(name)!.push(new TextDecoder().decode(evt.detail.data)) })
  }
  a.services.pubsub.subscribe('t')
  await eventually('the mesh forms', async () => { if (a.services.pubsub.getSubscribers('t').length < 2 || b.services.pubsub.getSubscribers('t').length < 2) throw new Error('subscribers missing') })
  for (let i = 0; i < 5; i++) await a.services.pubsub.publish('t', new TextEncoder().encode(`m${i}`))
  await eventually('every message arrives', async () => { if (got.get('b')!.length < 5 || got.get('c')!.length < 5) throw new Error(JSON.stringify([...got])) })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.same(got.get('b')!.sort(), ['m0', 'm1', 'm2', 'm3', 'm4'])
  t.same(got.get('c')!.sort(), ['m0', 'm1', 'm2', 'm3', 'm4'])
})

t.test('a connection whose pings fail stays open (a busy link delays pings; it is not dead)', async t => {
  const mk = async (): ReturnType<typeof createNode> => createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], pingIntervalMs: 100 })
  const a = await mk()
  const b = await mk()
  t.teardown(async () => { await Promise.all([a, b].map(async n => n.stop())) })
  // b answers every ping by resetting the stream: the ping fails at once.
  await b.unhandle('/ipfs/ping/1.0.0')
  await b.handle('/ipfs/ping/1.0.0', stream => { stream.abort(new Error('no pings here')) })
  const conn = await a.dial(b.getMultiaddrs()[0]!)
  await new Promise(resolve => setTimeout(resolve, 1000))
  t.equal(conn.status, 'open', 'still open after ten failed pings')
  t.same(a.getConnections(b.peerId).map(c => c.id), [conn.id], 'the same connection')
})
