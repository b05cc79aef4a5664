import t from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNode, type ShoalLibp2p } from '../../src/node/create.js'
import { DhtRouting, ProvideQueueFullError } from '../../src/routing/index.js'
import { ProvideQueue } from '../../src/routing/provide-queue.js'
import { shardCid, type CID } from '../../src/shard/cid.js'
import { quietLogger } from '../utils/nodes.js'

const cidOf = (i: number): CID => shardCid(new TextEncoder().encode(`shard ${i}`))

t.test('the provide queue collapses duplicates, bounds concurrency and refuses past its limit', async t => {
  let running = 0
  let peak = 0
  const done: string[] = []
  const gates: Array<() => void> = []
  const q = new ProvideQueue({
    maxQueued: 3,
    concurrency: 2,
    provideOne: async cid => {
      running++; peak = Math.max(peak, running)
      await new Promise<void>(resolve => gates.push(resolve))
      running--; done.push(cid.toString())
    }
  })
  q.add(cidOf(1)); q.add(cidOf(1)); q.add(cidOf(2))
  t.equal(q.size, 2, 'a duplicate is not queued twice')
  q.add(cidOf(3)); q.add(cidOf(4)); q.add(cidOf(5))
  t.throws(() => { q.add(cidOf(6)) }, ProvideQueueFullError)
  t.throws(() => { q.add(cidOf(6)) }, /provide queue is full \(3 CIDs waiting\)/)
  const idle = q.onIdle()
  while (done.length < 5) { gates.shift()?.(); await new Promise(resolve => setImmediate(resolve)) }
  await idle
  t.equal(peak, 2)
  t.equal(q.provided, 5)
})

t.test('shard announcements wait while the node is busy; layer announcements do not', async t => {
  const done: string[] = []
  let busy = true
  const q = new ProvideQueue({ maxQueued: 10, concurrency: 2, lowConcurrency: 1, holdLow: () => busy, provideOne: async cid => { done.push(cid.toString()) } })
  t.teardown(() => { q.stop() })
  q.add(cidOf(1), 'low')
  q.add(cidOf(2), 'high')
  await new Promise(resolve => setTimeout(resolve, 50))
  t.same(done, [cidOf(2).toString()], 'the layer went out; the shard waits')
  busy = false
  const alive = setInterval(() => {}, 100) // the queue's recheck timer does not hold the process open
  await q.onIdle()
  clearInterval(alive)
  t.same(done, [cidOf(2).toString(), cidOf(1).toString()], 'the shard went out once the node was idle')
})

t.test('a node that stays busy still announces its shards once the hold has lasted maxHoldMs', async t => {
  const done: string[] = []
  const q = new ProvideQueue({ maxQueued: 10, concurrency: 2, lowConcurrency: 1, holdLow: () => true, maxHoldMs: 1500, provideOne: async cid => { done.push(cid.toString()) } })
  t.teardown(() => { q.stop() })
  q.add(cidOf(1), 'low')
  q.add(cidOf(2), 'low')
  const alive = setInterval(() => {}, 100)
  t.teardown(() => { clearInterval(alive) })
  await new Promise(resolve => setTimeout(resolve, 500))
  t.same(done, [], 'held while busy')
  await q.onIdle()
  t.same(done, [cidOf(1).toString(), cidOf(2).toString()], 'released after the longest hold, and the lane ran until empty')
  q.add(cidOf(3), 'low')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.same(done.length, 2, 'a new announcement waits again: the release lasts until the lane is empty')
})

t.test('announce and find providers on a private kad-dht of five nodes', async t => {
  const nodes: ShoalLibp2p[] = []
  t.teardown(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  for (let i = 0; i < 5; i++) nodes.push(await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] }))
  for (const n of nodes.slice(1)) await n.dial(nodes[0]!.getMultiaddrs()[0]!)
  t.equal(nodes[0]!.services.dht.getMode(), 'server')
  const routings = nodes.map(n => new DhtRouting({ peerId: n.peerId, contentRouting: n.contentRouting, logger: quietLogger }, { listHeld: () => [cidOf(100), cidOf(101)] }))
  await Promise.all(routings.map(async r => r.start()))
  t.teardown(async () => { await Promise.all(routings.map(async r => r.stop())) })
  // Give the routing tables a moment to fill from identify.
  await new Promise(resolve => setTimeout(resolve, 500))

  routings[3]!.provide(cidOf(1))
  await routings[3]!.flush()
  t.equal(routings[3]!.stats().provided, 1)
  const found = await routings[4]!.findProviders(cidOf(1))
  t.same(found.map(p => p.id.toString()), [nodes[3]!.peerId.toString()], 'the provider is found from another node')
  t.same(await routings[3]!.findProviders(cidOf(1)), [], 'a node does not list itself')
  t.same(await routings[4]!.findProviders(cidOf(999), { timeoutMs: 1500 }), [], 'nobody: an empty list within the timeout')

  await routings[2]!.reprovideAll()
  await routings[2]!.flush()
  const again = await routings[0]!.findProviders(cidOf(101))
  t.ok(again.some(p => p.id.equals(nodes[2]!.peerId)), 're-provide announces every held CID')
})
