import t from 'tap'
import { PeerLimiter } from '../../src/exchange/limiter.js'

t.test('streams per peer, bytes per peer and the total are enforced', async t => {
  const l = new PeerLimiter({ streamsPerPeer: 2, bytesPerPeer: 10, streamsTotal: 3 })
  t.ok(l.tryAcquire('a', 4))
  t.ok(l.tryAcquire('a', 4))
  t.notOk(l.tryAcquire('a', 1), 'third stream for a peer is refused')
  t.ok(l.tryAcquire('b', 9))
  t.notOk(l.tryAcquire('c', 1), 'total reached')
  l.release('a', 4)
  t.notOk(l.tryAcquire('b', 5), 'b would pass its byte budget')
  t.ok(l.tryAcquire('c', 1))
  t.same(l.inFlight('a'), { streams: 1, bytes: 4 })
  t.same(l.inFlight(), { streams: 3, bytes: 14 })
})

t.test('one shard bigger than the byte budget is admitted alone', async t => {
  const l = new PeerLimiter({ streamsPerPeer: 4, bytesPerPeer: 10, streamsTotal: 10 })
  t.ok(l.tryAcquire('a', 50))
  t.notOk(l.tryAcquire('a', 1))
  l.release('a', 50)
  t.same(l.inFlight('a'), { streams: 0, bytes: 0 })
})
