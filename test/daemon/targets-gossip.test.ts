import t from 'tap'
import type { GossipSub } from '@libp2p/gossipsub'
import { pino } from 'pino'
import { decode, encode, TargetsGossip, TARGETS_MAX_HEARD, TARGETS_MAX_PENDING_PUBLISHES, TARGETS_MESSAGE_MAX_BYTES, TARGETS_TOPIC, type TargetChange } from '../../src/daemon/targets-gossip.js'
import { createReplicaTargets, encodeCommand, type TargetWrite } from '../../src/quorum/targets/index.js'
import { seededRandom } from '../../sim/random.js'

const SEEDS = ['12D3KooWSeedA', '12D3KooWSeedB', '12D3KooWSeedC']
const STRANGER = '12D3KooWStranger'
const logger = pino({ level: 'silent' })

function digest (i: number): string {
  return 'sha256:' + i.toString(16).padStart(64, '0')
}

interface Delivery { from: string, data: Uint8Array, signed?: boolean }

/** Just enough of gossipsub: records what is published, and delivers what a test hands it. */
class FakePubsub extends EventTarget {
  readonly published: Uint8Array[] = []
  readonly topics = new Set<string>()
  /** When set, publishes never settle (a stuck mesh). */
  hang = false

  subscribe (topic: string): void { this.topics.add(topic) }
  unsubscribe (topic: string): void { this.topics.delete(topic) }

  async publish (topic: string, data: Uint8Array): Promise<unknown> {
    if (topic !== TARGETS_TOPIC) throw new Error(`unexpected topic ${topic}`)
    this.published.push(data)
    if (this.hang) await new Promise(() => {})
    return { recipients: [] }
  }

  deliver ({ from, data, signed = true }: Delivery): void {
    const detail = signed
      ? { type: 'signed', from: { toString: () => from }, topic: TARGETS_TOPIC, data, sequenceNumber: 1n, signature: new Uint8Array(), key: {} }
      : { type: 'unsigned', topic: TARGETS_TOPIC, data }
    this.dispatchEvent(new CustomEvent('message', { detail }))
  }
}

function gossip (pubsub = new FakePubsub()): { g: TargetsGossip, pubsub: FakePubsub } {
  const g = new TargetsGossip({ pubsub: pubsub as unknown as GossipSub, logger, voters: SEEDS })
  g.start()
  return { g, pubsub }
}

t.test('messages: a round trip, and a large batch split under the size limit', async t => {
  const changes: TargetChange[] = [
    { digest: digest(1), region: 'eu-west', target: { replicas: 3, reason: 'hot', updatedAt: 5 } },
    { digest: digest(2), region: 'us-east' }
  ]
  const [one, ...rest] = encode(7, changes)
  t.equal(rest.length, 0)
  t.same(decode(one!), { index: 7, changes })

  const big: TargetChange[] = Array.from({ length: 600 }, (_v, i) => ({ digest: digest(i), region: 'ap-south', target: { replicas: i % 1000, reason: 'é'.repeat(200), updatedAt: i } }))
  const parts = encode(9, big)
  t.ok(parts.length > 1, `${parts.length} messages`)
  for (const p of parts) t.ok(p.byteLength <= TARGETS_MESSAGE_MAX_BYTES, `${p.byteLength} bytes`)
  t.same(parts.flatMap(p => decode(p).changes), big, 'nothing lost or reordered')

  for (const bad of ['{}', '{"v":2,"index":1,"changes":[]}', '{"v":1,"index":0,"changes":[]}', '{"v":1,"index":1,"changes":[{"d":"sha256:12","r":"eu"}]}',
    `{"v":1,"index":1,"changes":[{"d":"${digest(1)}","r":"eu","n":1001,"why":"","at":1}]}`, `{"v":1,"index":1,"changes":[{"d":"${digest(1)}","r":"eu","n":1}]}`]) {
    t.throws(() => decode(new TextEncoder().encode(bad)), bad)
  }
})

t.test('copies from every seed, in any order, give the table the log gives (seeded)', async t => {
  for (let run = 0; run < 20; run++) {
    const seed = 1000 + run
    const rand = seededRandom(seed)
    const r = (): number => rand() / 2 ** 32
    // A log of commands over few keys, so sets and clears of one key interleave.
    const state = createReplicaTargets()
    const applied: Array<{ index: number, changes: TargetChange[] }> = []
    for (let index = 1; index <= 60; index++) {
      const writes: TargetWrite[] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const d = digest(Math.floor(r() * 6))
        const region = ['eu', 'us', 'ap'][Math.floor(r() * 3)]!
        return r() < 0.3 ? { op: 'clear', digest: d, region } : { op: 'set', digest: d, region, replicas: Math.floor(r() * 10), reason: `run ${run}`, }
      })
      state.apply({ index, kind: 'command', data: encodeCommand({ requestId: `r${index}`, atMs: index, writes }) })
      // What the service reports: each written key's value after the entry.
      const keys = new Map(writes.map(w => [`${w.digest} ${w.region}`, w]))
      applied.push({ index, changes: [...keys.values()].map(w => ({ digest: w.digest, region: w.region, ...(state.get(w.digest, w.region) != null ? { target: state.get(w.digest, w.region)! } : {}) })) })
    }
    // Every seed publishes every entry; the copies arrive shuffled, some twice.
    const deliveries: Delivery[] = []
    for (const from of SEEDS) for (const a of applied) for (const data of encode(a.index, a.changes)) deliveries.push({ from, data })
    for (let i = 0; i < 40; i++) deliveries.push(deliveries[Math.floor(r() * deliveries.length)]!)
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!]
    }
    const { g, pubsub } = gossip()
    for (const d of deliveries) pubsub.deliver(d)
    const ok = t.same(g.list(), state.list(), `seed ${seed}: the heard table is the state machine's`)
    if (!ok) t.comment(`replay with seed ${seed}`)
    t.equal(g.heardIndex, 60)
    t.equal(g.size, state.size)
    g.stop()
  }
})

t.test('only seeds are heard: strangers, unsigned, oversized and malformed messages are refused', async t => {
  const { g, pubsub } = gossip()
  const [data] = encode(1, [{ digest: digest(1), region: 'eu', target: { replicas: 1, reason: '', updatedAt: 1 } }])
  pubsub.deliver({ from: STRANGER, data: data! })
  pubsub.deliver({ from: SEEDS[0]!, data: data!, signed: false })
  pubsub.deliver({ from: SEEDS[0]!, data: new Uint8Array(TARGETS_MESSAGE_MAX_BYTES + 1) })
  pubsub.deliver({ from: SEEDS[0]!, data: new TextEncoder().encode('not json') })
  t.equal(g.refused, 4)
  t.same(g.list(), [])
  pubsub.deliver({ from: SEEDS[1]!, data: data! })
  t.equal(g.list().length, 1, 'a seed is')
  t.ok(pubsub.topics.has(TARGETS_TOPIC))
  g.stop()
  t.notOk(pubsub.topics.has(TARGETS_TOPIC), 'stop unsubscribes')
})

t.test('a seed keeps what it publishes; filters; priming fills only what gossip has not said', async t => {
  const { g, pubsub } = gossip()
  g.publish([{ digest: digest(1), region: 'eu', target: { replicas: 2, reason: 'a', updatedAt: 1 } }, { digest: digest(2), region: 'us' }], 4)
  t.equal(pubsub.published.length, 1)
  t.same(decode(pubsub.published[0]!).index, 4)
  t.same(g.list().map(r => r.digest), [digest(1)])
  t.same(g.list({ region: 'us' }), [])
  g.prime([
    { digest: digest(1), region: 'eu', replicas: 9, reason: 'old answer', updatedAt: 0 },
    { digest: digest(2), region: 'us', replicas: 9, reason: 'cleared since', updatedAt: 0 },
    { digest: digest(3), region: 'ap', replicas: 1, reason: 'from a seed', updatedAt: 0 }
  ])
  t.same(g.list().map(r => [r.digest, r.replicas]), [[digest(1), 2], [digest(3), 1]], 'a heard value and a heard clear both beat a primed row')
  t.same(g.list({ layer: digest(3), region: 'ap' }).length, 1)
  const [newer] = encode(5, [{ digest: digest(3), region: 'ap', target: { replicas: 4, reason: 'later', updatedAt: 5 } }])
  pubsub.deliver({ from: SEEDS[2]!, data: newer! })
  t.equal(g.list({ layer: digest(3) })[0]?.replicas, 4, 'gossip beats a primed row')
  g.stop()
})

t.test('bounded: keys held, and publishes in flight', async t => {
  const { g, pubsub } = gossip()
  const changes: TargetChange[] = Array.from({ length: TARGETS_MAX_HEARD + 5 }, (_v, i) => ({ digest: digest(i), region: 'eu', target: { replicas: 1, reason: '', updatedAt: i } }))
  g.stop()
  g.publish(changes, 1)
  t.equal(g.size, TARGETS_MAX_HEARD)
  t.equal(g.list({ layer: digest(0) }).length, 0, 'the least recently changed are forgotten')
  t.equal(g.list({ layer: digest(TARGETS_MAX_HEARD + 4) }).length, 1)
  t.equal(pubsub.published.length, 0, 'a stopped gossip publishes nothing')

  const stuck = gossip()
  stuck.pubsub.hang = true
  for (let i = 1; i <= TARGETS_MAX_PENDING_PUBLISHES + 10; i++) stuck.g.publish([{ digest: digest(i), region: 'eu' }], i)
  t.equal(stuck.pubsub.published.length, TARGETS_MAX_PENDING_PUBLISHES)
  t.equal(stuck.g.dropped, 10)
  stuck.g.stop()
})
