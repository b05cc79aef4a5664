import t from 'tap'
import { Handoff } from '../../src/exchange/handoff.js'
import { Incoming } from '../../src/exchange/incoming.js'

t.test('hand-off: each requester is sent to the last recipient once per shard, within the window, while it is connected', async t => {
  let now = 0
  const connected = new Set(['A', 'B', 'C'])
  const h = new Handoff({ windowMs: 1000, maxEntries: 2, isConnected: p => connected.has(p), nowMs: () => now })
  t.equal(h.redirect('x', 'A'), undefined, 'nobody has it yet: serve')
  h.recordSent('x', 'A')
  t.equal(h.redirect('x', 'A'), undefined, 'never to itself')
  t.equal(h.redirect('x', 'B'), 'A')
  t.equal(h.redirect('x', 'B'), undefined, 'a second ask from the same peer is served')
  connected.delete('A')
  t.equal(h.redirect('x', 'C'), undefined, 'not to a peer that left')
  connected.add('A')
  now = 2000
  t.equal(h.redirect('x', 'C'), undefined, 'not after the window')
  h.recordSent('y', 'A'); h.recordSent('z', 'A')
  t.equal(h.redirect('x', 'C'), undefined, 'the oldest entry is forgotten past maxEntries')
  t.equal(h.redirect('z', 'C'), 'A')
})

t.test('hand-off with regions: a requester is sent to a recipient in its own region first, else to the last recipient anywhere', async t => {
  const region: Record<string, string> = { E1: 'eu', E2: 'eu', E3: 'eu', A1: 'ap', A2: 'ap', U1: 'us' }
  const h = new Handoff({ windowMs: 1000, maxEntries: 10, isConnected: () => true, regionOf: p => region[p], nowMs: () => 0 })
  h.recordSent('x', 'E1')
  h.recordSent('x', 'A1')
  t.equal(h.redirect('x', 'E2'), 'E1', 'to its own region, though the last recipient is in ap')
  t.equal(h.redirect('x', 'A2'), 'A1')
  t.equal(h.redirect('x', 'U1'), 'A1', 'nobody in us: the last recipient anywhere')
  t.equal(h.redirect('x', 'E1'), 'A1', 'the only eu recipient is the requester itself: the last recipient anywhere')
  t.equal(h.redirect('x', 'Z9'), 'A1', 'a requester of unknown region: the last recipient')
  h.recordSent('x', 'E2')
  t.equal(h.redirect('x', 'E3'), 'E2', 'the latest recipient of the region')
  t.equal(h.redirect('x', 'E3'), undefined, 'still once per requester and shard')
})

t.test('incoming: waiting for a shard on its way in', async t => {
  const inc = new Incoming()
  t.equal(await inc.wait('x', 10), false, 'not incoming: no wait')
  inc.begin('x')
  inc.begin('x')
  const waiting = inc.wait('x', 5000)
  inc.settle('x', false)
  t.ok(inc.has('x'), 'one of two requests failed: still incoming')
  inc.settle('x', true)
  t.equal(await waiting, true)
  t.notOk(inc.has('x'))
  inc.begin('y')
  t.equal(await inc.wait('y', 20), false, 'times out')
  inc.settle('y', false)
  t.notOk(inc.has('y'))
})
