import t from 'tap'
import {
  decodePriorityMessage, encodePriorityMessage, PRIORITY_GOSSIP_LAYERS, PRIORITY_GOSSIP_MAX_BYTES, PRIORITY_GOSSIP_MAX_REGIONS,
  type PriorityMessage
} from '../../../src/predict/service/index.js'

function layer (i: number): string {
  return 'sha256:' + i.toString(16).padStart(64, '0')
}

t.test('a message round-trips, numbers rounded to what a receiver needs', async t => {
  const m: PriorityMessage = {
    region: 'eu-west',
    atMs: 1714564800000,
    layers: [
      { digest: layer(1), priority: 0.123456789, demand: { 'eu-west': 12.34567 }, held: true },
      { digest: layer(2), priority: -0.2, demand: {}, held: false }
    ]
  }
  const back = decodePriorityMessage(encodePriorityMessage(m))
  t.same(back, {
    region: 'eu-west',
    atMs: 1714564800000,
    layers: [
      { digest: layer(1), priority: 0.1235, demand: { 'eu-west': 12.346 }, held: true },
      { digest: layer(2), priority: -0.2, demand: {}, held: false }
    ]
  })
})

t.test('encoding keeps within the limits: layers, regions per layer, bytes', async t => {
  const regions = Object.fromEntries(Array.from({ length: 40 }, (_v, i) => [`region-${String(i).padStart(2, '0')}`, i]))
  const many: PriorityMessage = {
    region: 'r',
    atMs: 1,
    layers: Array.from({ length: 600 }, (_v, i) => ({ digest: layer(i), priority: i / 600, demand: regions, held: i % 2 === 0 }))
  }
  const data = encodePriorityMessage(many)
  t.ok(data.byteLength <= PRIORITY_GOSSIP_MAX_BYTES, `${data.byteLength} bytes`)
  const back = decodePriorityMessage(data)
  t.ok(back.layers.length > 0 && back.layers.length <= PRIORITY_GOSSIP_LAYERS, `${back.layers.length} layers fit`)
  t.same(back.layers.map(l => l.digest), many.layers.slice(0, back.layers.length).map(l => l.digest), 'the first ones, in order')
  const kept = Object.keys(back.layers[0]!.demand)
  t.equal(kept.length, PRIORITY_GOSSIP_MAX_REGIONS)
  t.same(kept.sort(), Array.from({ length: 16 }, (_v, i) => `region-${String(39 - i).padStart(2, '0')}`).sort(), 'the most demanded regions')

  const small = encodePriorityMessage({ ...many, layers: many.layers.map(l => ({ ...l, demand: { r: 1 } })) })
  t.equal(decodePriorityMessage(small).layers.length, PRIORITY_GOSSIP_LAYERS, 'small layers: as many as allowed')
})

t.test('decoding names the problem', async t => {
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
  t.throws(() => decodePriorityMessage(enc({ v: 1, region: 'r', at: 1, layers: [{ d: layer(1), p: 0, dem: {}, held: 'yes' }] })), { name: 'PriorityGossipError', message: /layers\[0\]\.held must be true or false/ })
  t.throws(() => decodePriorityMessage(enc({ v: 1, region: 'r', at: 1.5, layers: [] })), { message: /at must be a time/ })
  t.throws(() => decodePriorityMessage(enc({ v: 1, region: 'r', at: 1, layers: [{ d: layer(1), p: 0, dem: { __proto__x: 1, 'a b': 2 }, held: true }] })), { message: /is not a region name/ })
  t.same(decodePriorityMessage(enc({ v: 1, region: 'r', at: 1, layers: [], extra: true })).layers, [], 'unknown fields are ignored (a later sender may add some)')
})
