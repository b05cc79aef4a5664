import t from 'tap'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { createNode } from '../../src/node/create.js'
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
