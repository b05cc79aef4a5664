import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as constants from '../../../src/predict/service/constants.js'
import {
  createPriorityService, decodePriorityMessage, MemoryPubSubNetwork, PRIORITY_TOPIC, type PriorityRound, type PriorityThreat
} from '../../../src/predict/service/index.js'
import { seededRandom } from '../../../src/predict/trace/prng.js'
import type { UsageEvent } from '../../../src/usage/index.js'
import { digest, harness, hour, minute, NOW, served } from './helpers.js'

const SEED = Number(process.env.SHOAL_TEST_SEED ?? 20240501)
t.comment(`seed ${SEED} (replay with SHOAL_TEST_SEED=${SEED})`)

const A = digest('held-here')
const B = digest('nowhere')
const C = digest('risky')
const Q = digest('malware')

/**
 * Six hours of pulls in eu-west: A, B and C asked for at the same seeded
 * times (so their forecasts are equal), each request by a client of its own
 * (so no rule ties them); Q asked for twice as often; ten noise layers
 * asked for a few times each at random.
 */
function scenario (seed: number): UsageEvent[] {
  const next = seededRandom(seed)
  const events: UsageEvent[] = []
  let client = 0
  for (let h = 6; h >= 1; h--) {
    const count = 20 + (next() % 10)
    for (let i = 0; i < count; i++) {
      const at = NOW - h * hour + (next() % hour)
      for (const layer of [A, B, C, Q, Q]) events.push(served(at, layer, `10.0.0.${client++ % 250}-${client}`))
    }
    for (let n = 0; n < 10; n++) {
      for (let i = next() % 4; i > 0; i--) events.push(served(NOW - h * hour + (next() % hour), digest(`noise-${n}`), `10.1.0.${client++ % 250}-${client}`))
    }
  }
  return events
}

const THREAT: PriorityThreat = {
  score: async d => d === C ? 0.9 : undefined,
  quarantined: async d => d === Q
}

function order (round: PriorityRound): string[] {
  return round.layers.map(l => l.digest)
}

t.test('the documented defaults are the constants', async t => {
  const doc = await readFile(new URL('../../../src/predict/service/index.ts', import.meta.url), 'utf8')
  const found = [...doc.matchAll(/@default ([A-Z_]+) \(([\d.]+)(?: (second|minute|day))?\)/g)]
  t.ok(found.length >= 10, `${found.length} documented defaults`)
  const unit: Record<string, number> = { second: 1000, minute, day: 24 * hour }
  for (const [, name, value, u] of found) t.equal((constants as Record<string, unknown>)[name!], Number(value) * (u !== undefined ? unit[u]! : 1), String(name))
})

t.test('options are checked once, naming the option', async t => {
  const make = (init: object): unknown => createPriorityService({ region: 'eu-west', ...init }, {
    usage: { range: async function * () {} },
    pubsub: new MemoryPubSubNetwork().join('x'),
    logger: { debug () {}, info () {}, warn () {}, error () {} },
    holds: async () => false
  })
  t.throws(() => make({ intervalMs: 10 }), { name: 'InvalidPriorityServiceOptionError', message: /intervalMs: 10 must be a number from 1000/ })
  t.throws(() => make({ region: 'eu west' }), { message: /region: "eu west" must be a region name/ })
  t.throws(() => make({ weights: { usage: 1000 } }), { message: /weights.usage: 1000/ })
  t.throws(() => make({ distances: { rttMs: { a: { b: -1 } } } }), { message: /distances.rttMs.a.b: -1/ })
  t.throws(() => make({ gossipLayers: 257 }), { message: /gossipLayers: 257 must be a whole number from 1 to 256/ })
  t.throws(() => make({ interval: 5 }), { message: /unknown priority option "interval"/ })
  t.ok(make({}), 'the defaults pass')
})

t.test('a seeded day: demand with no copy outranks the same demand cached here; risk lowers; quarantine is never scored', async t => {
  const h = await harness(t, {}, THREAT)
  h.held.add(A)
  await h.record(scenario(SEED))
  const before = await h.service.round()
  t.equal(before.computedAt, null, 'no round before the first')
  await h.service.refresh()
  const round = await h.service.round({ top: 100 })
  t.equal(round.computedAt, NOW)
  t.equal(round.region, 'eu-west')
  const rank = order(round)
  t.notOk(rank.includes(Q), `the quarantined layer is not scored (seed ${SEED})`)
  t.ok(rank.indexOf(B) < rank.indexOf(A), `B (no copy) outranks A (cached here) on the same demand (seed ${SEED}): ${rank.slice(0, 5).join(' ')}`)
  t.ok(rank.indexOf(B) < rank.indexOf(C), `C (threat 0.9) drops below B (seed ${SEED})`)
  const row = (d: string): PriorityRound['layers'][number] => round.layers.find(l => l.digest === d)!
  t.equal(row(A).demand, row(B).demand, 'A and B have the same predicted demand')
  t.ok(row(A).demand > 0)
  t.same(row(A).cachedRegions, ['eu-west'], 'a layer the store holds is cached in this region')
  t.equal(row(A).proximity, 0, 'no distance to cover for A')
  t.equal(row(B).proximity, 1, 'all of B\'s demand is as far as the origin')
  t.equal(row(C).threat, 0.9)
  t.ok(Math.abs(row(B).priority - row(C).priority - 0.9 * 0.25) < 1e-9, 'the threat weight (-0.25) is what separates B and C')
  t.same(Object.keys(row(B).demandByRegion), ['eu-west'])
  const noise = new Set(Array.from({ length: 10 }, (_v, n) => digest(`noise-${n}`)))
  t.ok(round.layers.some(l => noise.has(l.digest)), 'noise is scored too')
  t.ok(round.layers.filter(l => noise.has(l.digest)).every(l => l.demand < row(A).demand), 'and less demanded')
  t.equal(h.service.stats().rounds, 1)
  t.ok(h.service.stats().eventsRead > 0)

  const published = h.network.published.filter(p => p.topic === PRIORITY_TOPIC)
  t.equal(published.length, 1, 'the round was published')
  const message = decodePriorityMessage(published[0]!.data)
  t.equal(message.region, 'eu-west')
  t.equal(message.atMs, NOW)
  t.notOk(message.layers.some(l => l.digest === Q), 'the quarantined layer is never published')
  t.same(message.layers.map(l => l.digest), rank.slice(0, message.layers.length), 'in priority order')
  t.equal(message.layers.find(l => l.digest === A)?.held, true)
  t.equal(message.layers.find(l => l.digest === B)?.held, false)
  t.equal(h.service.stats().gossipPublished, 1)
})

t.test('gossip: peers add their regions\' demand and their copies; only this daemon\'s own demand is published', async t => {
  const distances = { rttMs: { 'eu-west': { 'ap-south': 150, 'us-east': 80 }, 'us-east': { 'ap-south': 220 } }, originRttMs: 250 }
  const h = await harness(t, { distances }, THREAT)
  await h.record(scenario(SEED))
  await h.service.refresh()
  const alone = await h.service.round({ top: 100 })
  const demandA = alone.layers.find(l => l.digest === A)!.demand
  t.equal(alone.layers.find(l => l.digest === B)!.proximity, 1)

  const X = digest('only-in-ap-south')
  await h.hear('peer-ap', {
    region: 'ap-south',
    atMs: NOW - minute,
    layers: [
      { digest: A, priority: 0.5, demand: { 'ap-south': 40 }, held: false },
      { digest: B, priority: 0.4, demand: {}, held: true },
      { digest: X, priority: 0.3, demand: { 'ap-south': 5 }, held: false },
      { digest: Q, priority: 0.9, demand: { 'ap-south': 1000 }, held: true }
    ]
  })
  await h.hear('peer-us', { region: 'us-east', atMs: NOW - minute, layers: [{ digest: A, priority: 0.5, demand: { 'us-east': 10 }, held: true }] })
  t.equal(h.service.stats().gossipReceived, 2)
  await h.service.refresh()
  const round = await h.service.round({ top: 100 })
  t.equal(round.peers, 2)
  const a = round.layers.find(l => l.digest === A)!
  t.equal(a.demandByRegion['ap-south'], 40)
  t.equal(a.demandByRegion['us-east'], 10)
  t.equal(a.demand, demandA + 50, 'demand sums this daemon\'s and each peer\'s own')
  t.same(a.cachedRegions, ['us-east'])
  // eu-west's demand is 80 ms from the copy in us-east, ap-south's 220 ms: (d * 80 + 40 * 220 + 10 * 0) / (total * 250).
  const eu = a.demandByRegion['eu-west']!
  t.ok(Math.abs(a.proximity - (eu * 80 + 40 * 220) / ((eu + 50) * 250)) < 1e-9, `proximity ${a.proximity}`)
  const b = round.layers.find(l => l.digest === B)!
  t.same(b.cachedRegions, ['ap-south'])
  t.ok(Math.abs(b.proximity - 150 / 250) < 1e-9, 'B is now 150 ms from its nearest copy')
  t.ok(round.layers.some(l => l.digest === X), 'a layer only a peer asked for is scored')
  t.notOk(round.layers.some(l => l.digest === Q), 'a peer cannot bring a quarantined layer back')
  const ap = await h.service.round({ region: 'ap-south', top: 100 })
  t.same(order(ap).sort(), [A, X].sort(), '--region keeps the layers with demand there')

  const message = decodePriorityMessage(h.network.published.filter(p => p.from === 'self').at(-1)!.data)
  const mine = message.layers.find(l => l.digest === A)!
  t.same(Object.keys(mine.demand), ['eu-west'], 'what peers said is not repeated as this daemon\'s demand')
  t.notOk(message.layers.some(l => l.digest === X), 'nor a layer this daemon has nothing to say about')

  // A peer's message counts for gossipTtlMs, then the round forgets it.
  h.clock.ms = NOW + 3 * constants.PRIORITY_INTERVAL_MS + 1
  await h.service.refresh()
  const later = await h.service.round({ top: 100 })
  t.equal(later.peers, 0)
  t.notOk(later.layers.some(l => l.digest === X), 'expired')
})

t.test('bad gossip is dropped and counted, never fatal', async t => {
  const h = await harness(t)
  await h.record(scenario(SEED))
  const enc = new TextEncoder()
  const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))
  const layer = { d: A, p: 0.5, dem: { 'eu-west': 3 }, held: true }
  const ok = { v: 1, region: 'us-east', at: NOW, layers: [layer] }
  const bad: Array<[string, Uint8Array, string | undefined]> = [
    ['unsigned', json(ok), undefined],
    ['not JSON', enc.encode('{"v":1,'), 'p1'],
    ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x7b]), 'p1'],
    ['too large', new Uint8Array(constants.PRIORITY_GOSSIP_MAX_BYTES + 1).fill(0x20), 'p1'],
    ['a list', json([ok]), 'p1'],
    ['another version', json({ ...ok, v: 2 }), 'p1'],
    ['bad region', json({ ...ok, region: 'us east' }), 'p1'],
    ['bad time', json({ ...ok, at: -1 }), 'p1'],
    ['bad digest', json({ ...ok, layers: [{ ...layer, d: 'sha256:abc' }] }), 'p1'],
    ['same digest twice', json({ ...ok, layers: [layer, layer] }), 'p1'],
    ['negative demand', json({ ...ok, layers: [{ ...layer, dem: { 'eu-west': -1 } }] }), 'p1'],
    ['demand not a number', json({ ...ok, layers: [{ ...layer, dem: { 'eu-west': '3' } }] }), 'p1'],
    ['huge demand', json({ ...ok, layers: [{ ...layer, dem: { 'eu-west': 1e12 } }] }), 'p1'],
    ['bad demand region', json({ ...ok, layers: [{ ...layer, dem: { '../x': 1 } }] }), 'p1'],
    ['too many regions', json({ ...ok, layers: [{ ...layer, dem: Object.fromEntries(Array.from({ length: 17 }, (_v, i) => [`r${i}`, 1])) }] }), 'p1'],
    ['priority out of range', json({ ...ok, layers: [{ ...layer, p: 1e6 }] }), 'p1'],
    ['held not a boolean', json({ ...ok, layers: [{ ...layer, held: 1 }] }), 'p1'],
    ['too many layers', json({ ...ok, layers: Array.from({ length: 257 }, (_v, i) => ({ ...layer, d: 'sha256:' + i.toString(16).padStart(64, '0') })) }), 'p1']
  ]
  for (const [, data, from] of bad) h.network.inject(PRIORITY_TOPIC, data, from)
  await h.network.settle()
  t.equal(h.service.stats().gossipDropped, bad.length, 'every bad message counted')
  t.equal(h.service.stats().gossipReceived, 0)
  t.equal(h.service.stats().peers, 0)
  h.network.inject(PRIORITY_TOPIC, json(ok), 'p1')
  h.network.inject(PRIORITY_TOPIC, json({ ...ok, at: NOW - 1, layers: [] }), 'p1')
  await h.network.settle()
  t.equal(h.service.stats().gossipReceived, 1, 'a good one is still taken')
  t.equal(h.service.stats().gossipDropped, bad.length + 1, 'an older message than the one held is dropped')
  await h.service.refresh()
  t.same((await h.service.round({ top: 100 })).layers.find(l => l.digest === A)?.cachedRegions, ['us-east'], 'the newer message is the one kept')
  t.equal(h.service.stats().failedRounds, 0)
})

t.test('bounds: events per round, the history window, the settle delay, peers held, layers scored and published', async t => {
  const h = await harness(t, { maxEventsPerRound: 100, maxPeers: 3, maxScored: 8, gossipLayers: 5 })
  const events: UsageEvent[] = []
  for (let i = 0; i < 250; i++) events.push(served(NOW - 2 * hour + i * 1000, digest(`l${i % 20}`), `c${i}`))
  events.push(served(NOW - 3 * 24 * hour, digest('too-old'), 'old'))
  events.push(served(NOW - 30_000, digest('too-new'), 'new'))
  await h.record(events)
  await h.service.refresh()
  t.equal(h.service.stats().eventsRead, 100, 'the first round stops at maxEventsPerRound')
  await h.service.refresh()
  await h.service.refresh()
  t.equal(h.service.stats().eventsRead, 250, 'the next ones go on from there, reading no event twice')
  await h.service.refresh()
  t.equal(h.service.stats().eventsRead, 250, 'nothing older than historyMs, nothing within settleMs of now')
  const round = await h.service.round({ top: 100 })
  t.equal(round.scored, 8, 'maxScored')
  t.equal(round.layers.length, 8)
  const message = decodePriorityMessage(h.network.published.at(-1)!.data)
  t.equal(message.layers.length, 5, 'gossipLayers')
  t.same(message.layers.map(l => l.digest), order(round).slice(0, 5))

  h.clock.ms = NOW + 2 * minute
  await h.service.refresh()
  t.equal(h.service.stats().eventsRead, 251, 'the event within the settle delay is read once it has settled')

  for (let i = 0; i < 5; i++) await h.hear(`p${i}`, { region: 'us-east', atMs: NOW, layers: [{ digest: digest(`heard-${i}`), priority: 1, demand: { 'us-east': 1000 }, held: false }] })
  t.equal(h.service.stats().peers, 3, 'maxPeers')
  await h.service.refresh()
  const names = new Set(Array.from({ length: 5 }, (_v, i) => digest(`heard-${i}`)))
  const heard = order(await h.service.round({ top: 100 })).filter(d => names.has(d))
  t.same(heard.sort(), [2, 3, 4].map(i => digest(`heard-${i}`)).sort(), 'the least recently heard peers went first')

  await t.rejects(h.service.round({ top: 0 }), { name: 'InvalidPriorityQueryError', message: /top must be an integer from 1 to 4096/ })
  await t.rejects(h.service.round({ region: 'a b' }), { name: 'InvalidPriorityQueryError' })
  t.equal((await h.service.round()).layers.length, 8, 'the default top is 20')
  t.equal((await h.service.round({ top: 2 })).layers.length, 2)
})

t.test('a failed round is logged and counted; the last round stays', async t => {
  let fail = false
  let now = NOW
  const network = new MemoryPubSubNetwork()
  const errors: string[] = []
  const service = createPriorityService({ region: 'eu-west', firstRoundDelayMs: 24 * hour }, {
    usage: {
      range: async function * () {
        if (fail) throw Object.assign(new Error('the usage log is not open'), { name: 'UsageLogClosedError' })
        yield served(NOW - hour, A, 'c1')
      }
    },
    pubsub: network.join('self'),
    logger: { debug () {}, info () {}, warn () {}, error: (_o, msg) => { errors.push(msg) } },
    holds: async () => false,
    now: () => now
  })
  await service.start()
  t.teardown(async () => { await service.stop() })
  await service.refresh()
  t.equal((await service.round()).layers.length, 1)
  fail = true
  now += 5 * minute
  await t.rejects(service.refresh(), { name: 'UsageLogClosedError' })
  t.equal(service.stats().failedRounds, 1)
  t.same(errors, ['priority round failed; the last round stays'])
  t.equal((await service.round()).layers.length, 1, 'the last good round is still answered')
})

t.test('lifecycle: start and stop twice; the timer runs rounds; nothing after stop', async t => {
  const network = new MemoryPubSubNetwork()
  const service = createPriorityService({ region: 'eu-west', firstRoundDelayMs: 0, intervalMs: 1000 }, {
    usage: { range: async function * () {} },
    pubsub: network.join('self'),
    logger: { debug () {}, info () {}, warn () {}, error () {} },
    holds: async () => false
  })
  await t.rejects(service.refresh(), { name: 'PriorityServiceStoppedError' })
  await service.start()
  await service.start()
  const until = Date.now() + 30_000
  while (service.stats().rounds < 1 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 10))
  t.ok(service.stats().rounds >= 1, 'the first round ran on the timer')
  await service.stop()
  await service.stop()
  const rounds = service.stats().rounds
  await t.rejects(service.refresh(), { name: 'PriorityServiceStoppedError' })
  network.inject(PRIORITY_TOPIC, new Uint8Array([1]), 'p')
  await network.settle()
  t.equal(service.stats().gossipDropped, 0, 'a stopped service hears nothing')
  t.equal(service.stats().rounds, rounds)
})
