import t from 'tap'
import { TestSwarm, quietLogger } from '../utils/nodes.js'
import { OriginClaims } from '../../src/daemon/origin-claims.js'

const DIGEST = 'sha256:' + 'ab'.repeat(32)

async function until (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

t.test('one host claims a blob it streams from the origin; another waits for its "done"', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const claims = [a, b].map(n => new OriginClaims({ pubsub: n.node.services.pubsub, logger: quietLogger, selfId: () => n.node.peerId.toString() }))
  for (const c of claims) c.start()
  t.teardown(() => { for (const c of claims) c.stop() })
  const [ca, cb] = claims as [OriginClaims, OriginClaims]
  // gossipsub needs a heartbeat to graft the mesh: announce until B hears.
  await until('B to hear A\'s claim', () => { ca.announce(DIGEST, false); return cb.claimOf(DIGEST) != null })
  t.equal(cb.claimOf(DIGEST)?.peerId, a.node.peerId.toString(), 'B sees who is fetching')
  t.equal(ca.claimOf(DIGEST), undefined, 'a host does not follow its own claim')
  t.equal(cb.claimOf('sha256:' + 'cd'.repeat(32)), undefined, 'nor a blob nobody claimed')

  const waiting = cb.waitDone(DIGEST, 10_000)
  setTimeout(() => { ca.announce(DIGEST, true) }, 100)
  t.equal(await waiting, a.node.peerId.toString(), 'the wait ends with the claimant once it has the blob')

  const none = await cb.waitDone('sha256:' + 'ef'.repeat(32), 1000)
  t.equal(none, undefined, 'no claim: no wait')
  const aborted = new AbortController()
  await until('a second claim', () => { ca.announce('sha256:' + '12'.repeat(32), false); return cb.claimOf('sha256:' + '12'.repeat(32)) != null })
  setTimeout(() => { aborted.abort() }, 100)
  const started = Date.now()
  t.equal(await cb.waitDone('sha256:' + '12'.repeat(32), 10_000, aborted.signal), undefined, 'an aborted wait gives up')
  t.ok(Date.now() - started < 5000)
})
