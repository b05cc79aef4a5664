import t, { type Test } from 'tap'
import { createPolicy, createPrefetcher, ManifestPrefetcher, type Prefetcher } from '../../../../src/predict/cache/index.js'
import type { TraceRequest } from '../../../../src/predict/types.js'
import { replay, req } from '../helpers.js'

const manifest = (tsMs: number, blob: string, client: string): TraceRequest => req(tsMs, blob, 1, { kind: 'manifest', client })
const layer = (tsMs: number, blob: string, client: string, bytes = 1): TraceRequest => req(tsMs, blob, bytes, { client })

/** Observe every request (as the simulator does) and return what was suggested after each manifest. */
function feed (t: Test, prefetcher: Prefetcher, requests: TraceRequest[]): string[][] {
  const suggested: string[][] = []
  for (const r of requests) {
    prefetcher.observe(r, false)
    if (r.kind === 'manifest') suggested.push(prefetcher.suggest(r).map(c => c.blob))
    else t.same(prefetcher.suggest(r), [], 'a blob request suggests nothing')
  }
  return suggested
}

t.test('suggests what followed a manifest within the window, learnt from earlier pulls only', async t => {
  const suggested = feed(t, createPrefetcher('manifest'), [
    manifest(0, 'M', 'c1'), // first pull: nothing known yet
    layer(1_000, 'L1', 'c1'),
    layer(2_000, 'L2', 'c1', 7),
    layer(2_500, 'N', 'c2'), // another client's request: not part of c1's pull
    layer(61_000, 'L3', 'c1'), // 61 s after the manifest: outside the 60 s window
    manifest(100_000, 'M', 'c2')
  ])
  t.same(suggested, [[], ['L1', 'L2']])
  const p = createPrefetcher('manifest')
  feed(t, p, [manifest(0, 'M', 'c1'), layer(1, 'L2', 'c1', 7), manifest(5, 'M', 'c3')])
  t.same(p.suggest(manifest(6, 'M', 'c3')), [{ blob: 'L2', bytes: 7 }], 'with the size seen')
})

t.test('confidence: the share of earlier pulls a blob followed; most frequent first', async t => {
  // Five pulls of M: L1 follows all five, L2 one (1/5 = 0.2), L3 none; L1 twice in one pull counts once.
  const requests: TraceRequest[] = []
  for (let pull = 0; pull < 5; pull++) {
    const at = pull * 100_000
    requests.push(manifest(at, 'M', `c${pull}`))
    if (pull === 2) requests.push(layer(at + 1, 'L2', `c${pull}`))
    requests.push(layer(at + 2, 'L1', `c${pull}`), layer(at + 3, 'L1', `c${pull}`))
  }
  const probe = manifest(1_000_000, 'M', 'c9')
  const low = createPrefetcher('manifest')
  feed(t, low, [...requests, probe])
  t.same(low.suggest(probe).map(c => c.blob), ['L1', 'L2'])
  const high = createPrefetcher('manifest', { minConfidence: 0.5 })
  feed(t, high, [...requests, probe])
  t.same(high.suggest(probe).map(c => c.blob), ['L1'])
})

t.test('memory is bounded', async t => {
  const p = createPrefetcher('manifest', { maxManifests: 2, maxBlobs: 2, maxClients: 1 }) as ManifestPrefetcher
  feed(t, p, [manifest(0, 'M1', 'c1'), layer(1, 'a', 'c1'), layer(2, 'b', 'c1'), layer(3, 'c', 'c1')])
  t.same(p.sizes(), { manifests: 1, clients: 1, largestManifest: 2 }, 'a pull keeps at most maxBlobs')
  feed(t, p, [manifest(10, 'M2', 'c2'), manifest(20, 'M3', 'c3')])
  t.same(p.sizes(), { manifests: 2, clients: 1, largestManifest: 0 }, 'M1 and its blobs forgotten')
  t.same(p.suggest(manifest(30, 'M1', 'c1')), [], 'M1 is unknown again')
  // maxClients 1: c3's window was pushed out by c4's, so c3's layer is not linked to M3.
  feed(t, p, [manifest(40, 'M3', 'c4'), layer(41, 'x', 'c3'), manifest(50, 'M3', 'c5')])
  t.same(p.suggest(manifest(50, 'M3', 'c5')), [])

  // A manifest full of blobs: the rarest is replaced by the newcomer.
  const q = createPrefetcher('manifest', { maxBlobs: 2 }) as ManifestPrefetcher
  feed(t, q, [manifest(0, 'M', 'c1'), layer(1, 'a', 'c1'), layer(2, 'b', 'c1'),
    manifest(100, 'M', 'c2'), layer(101, 'a', 'c2'),
    manifest(200, 'M', 'c3'), layer(201, 'c', 'c3')])
  t.same(q.suggest(manifest(300, 'M', 'c4')).map(c => c.blob), ['a', 'c'], 'b (seen once, oldest) made room for c')
})

t.test('in the simulator: prefetched layers turn misses into hits (hand case)', async t => {
  // Capacity 3 blobs, LRU, 2 prefetched bytes per request.
  // c1 pulls M, A, B (3 misses); X Y Z push them out [X Y Z];
  // c2 pulls M at 20 s: miss, -X [Y Z M]; prefetch A (-Y) and B (-Z) -> [M A B]; A and B hit.
  const requests = [manifest(0, 'M', 'c1'), layer(1000, 'A', 'c1'), layer(2000, 'B', 'c1'),
    layer(10_000, 'X', 'c3'), layer(11_000, 'Y', 'c3'), layer(12_000, 'Z', 'c3'),
    manifest(20_000, 'M', 'c2'), layer(21_000, 'A', 'c2'), layer(22_000, 'B', 'c2')]
  const withPrefetch = replay(requests, createPolicy('lru', { capacityBytes: 3 }), 3, { prefetcher: createPrefetcher('manifest'), maxPrefetchBytesPerRequest: 2, manifests: 'cache' })
  t.same(withPrefetch.hits, [0, 0, 0, 0, 0, 0, 0, 1, 1])
  t.same(withPrefetch.steps[6]?.prefetched, ['A', 'B'])
  t.match(withPrefetch.result, { prefetched: 2, prefetchUsed: 2, precision: 1, coverage: 2 / (2 + 7), wastedBytes: 0 })
  const without = replay(requests, createPolicy('lru', { capacityBytes: 3 }), 3, { prefetcher: createPrefetcher('none'), manifests: 'cache' })
  t.equal(without.result.hits, 0)
  // Manifests as signals (the default): M is never cached nor counted, the prefetcher still reads it.
  // c1: A, B miss; X evicts nothing ([A B X]); Y -A, Z -B -> [X Y Z]; M at 20 s prefetches A (-X), B (-Y) -> [Z A B].
  const signal = replay(requests, createPolicy('lru', { capacityBytes: 3 }), 3, { prefetcher: createPrefetcher('manifest'), maxPrefetchBytesPerRequest: 2 })
  t.same(signal.hits, [0, 0, 0, 0, 0, 0, 0, 1, 1])
  t.same(signal.steps[6]?.prefetched, ['A', 'B'])
  t.match(signal.result, { requests: 7, prefetched: 2, prefetchUsed: 2, precision: 1, coverage: 2 / (2 + 5), wastedBytes: 0 })
})

t.test('prefetcher options are checked when it is built', async t => {
  t.throws(() => createPrefetcher('manifest', { windowMs: 0 }), { name: 'InvalidCacheOptionError', message: /windowMs/ })
  t.throws(() => createPrefetcher('manifest', { minConfidence: 0 }), { name: 'InvalidCacheOptionError', message: /minConfidence/ })
  t.throws(() => createPrefetcher('manifest', { maxBlobs: 1.5 }), { name: 'InvalidCacheOptionError', message: /maxBlobs/ })
  t.throws(() => createPrefetcher('manifest', { window: 5 } as never), { name: 'InvalidCacheOptionError', message: /"window".*windowMs/ })
  t.throws(() => createPrefetcher('none', { windowMs: 5 }), { name: 'InvalidCacheOptionError', message: /none/ })
  t.throws(() => createPrefetcher('rules' as 'none'), { name: 'InvalidCacheOptionError', message: /unknown prefetcher "rules"/ })
})
