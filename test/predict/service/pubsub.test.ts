/**
 * The publish/subscribe contract, run against the in-memory twin and
 * against gossipsub between two real libp2p nodes: a message reaches the
 * other subscribers with its publisher's id, never the publisher itself,
 * and only on its topic.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import t, { type Test } from 'tap'
import { createNode, type ShoalLibp2p } from '../../../src/node/create.js'
import { gossipsubPubSub, MemoryPubSubNetwork, type PriorityPubSub, type PubSubMessage } from '../../../src/predict/service/index.js'

interface Pair {
  a: PriorityPubSub
  b: PriorityPubSub
  aId: string
  /** Publish from `a` until `received` holds (gossipsub learns of a subscription a moment after it is made). */
  deliver: (topic: string, data: Uint8Array, received: () => boolean) => Promise<void>
}

const TOPIC = 'shoal/test/1'

function conformance (name: string, make: (t: Test) => Promise<Pair>): void {
  t.test(`${name}: delivered to the others with the publisher's id, not to the publisher, only on its topic`, async t => {
    const { a, b, aId, deliver } = await make(t)
    const atA: PubSubMessage[] = []
    const atB: PubSubMessage[] = []
    const other: PubSubMessage[] = []
    const offA = a.subscribe(TOPIC, m => atA.push(m))
    const offB = b.subscribe(TOPIC, m => atB.push(m))
    const offOther = b.subscribe('shoal/other/1', m => other.push(m))
    await deliver(TOPIC, new Uint8Array([1, 2, 3]), () => atB.length > 0)
    t.equal(atB[0]?.from, aId)
    t.same([...atB[0]!.data], [1, 2, 3])
    t.equal(atA.length, 0, 'the publisher does not hear itself')
    t.equal(other.length, 0, 'another topic hears nothing')
    offA()
    offB()
    offOther()
  })
}

conformance('memory twin', async () => {
  const network = new MemoryPubSubNetwork()
  const a = network.join('peer-a')
  const b = network.join('peer-b')
  return {
    a,
    b,
    aId: 'peer-a',
    deliver: async (topic, data, received) => {
      await a.publish(topic, data)
      await network.settle()
      if (!received()) throw new Error('not delivered')
    }
  }
})

conformance('gossipsub', async t => {
  const nodes: ShoalLibp2p[] = []
  t.teardown(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })
  for (let i = 0; i < 2; i++) nodes.push(await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] }))
  const [na, nb] = nodes as [ShoalLibp2p, ShoalLibp2p]
  await na.dial(nb.getMultiaddrs()[0]!)
  const a = gossipsubPubSub(na.services.pubsub)
  return {
    a,
    b: gossipsubPubSub(nb.services.pubsub),
    aId: na.peerId.toString(),
    deliver: async (topic, data, received) => {
      // Generous: this only says "delivered, not lost"; the first heartbeat (1 s) spreads subscriptions.
      const until = Date.now() + 20_000
      while (!received()) {
        if (Date.now() > until) throw new Error('not delivered within 20 s')
        await a.publish(topic, data)
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
  }
})

t.test('memory twin: an unsubscribed member hears nothing more, even of a message already on its way', async t => {
  const network = new MemoryPubSubNetwork()
  const heard: PubSubMessage[] = []
  const off = network.join('b').subscribe(TOPIC, m => heard.push(m))
  await network.join('a').publish(TOPIC, new Uint8Array([1]))
  off()
  await network.settle()
  t.equal(heard.length, 0)
  network.inject(TOPIC, new Uint8Array([2]))
  t.equal(network.published.length, 1, 'injected messages are not counted as published')
})
