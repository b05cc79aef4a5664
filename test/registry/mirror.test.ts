import t from 'tap'
import { connect } from 'node:net'
import { TestSwarm, fixedIndex, randomBytes } from '../utils/nodes.js'
import { startMirror } from '../utils/mirror.js'
import { MemoryOrigin, makeImage, sha256 } from './memory-origin.js'
import { digestToCid } from '../../src/shard/cid.js'

const MiB = 1 << 20

async function get (url: string, init: RequestInit = {}): Promise<{ status: number, headers: Headers, bytes: Buffer }> {
  const res = await fetch(url, init)
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
}

async function raw (url: string, request: string): Promise<string> {
  const u = new URL(url)
  return await new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => { s.end(request) })
    const parts: Buffer[] = []
    s.on('data', d => parts.push(d))
    s.on('end', () => { resolve(Buffer.concat(parts).toString()) })
    s.on('error', reject)
  })
}

t.test('the pull API: base, manifests by tag and digest, blobs whole and ranged', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  const layer = randomBytes(3 * MiB, 1)
  const image = makeImage([layer])
  origin.push('library/app', 'v1', image)
  const m = await startMirror(node, origin)
  t.teardown(m.stop)

  const base = await get(`${m.url}/v2/`)
  t.equal(base.status, 200)
  t.equal(base.headers.get('docker-distribution-api-version'), 'registry/2.0')

  const head = await fetch(`${m.url}/v2/library/app/manifests/v1?ns=origin.test`, { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(head.headers.get('docker-content-digest'), image.digest)
  t.equal(head.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json')
  t.equal(Number(head.headers.get('content-length')), image.manifest.byteLength)

  const man = await get(`${m.url}/v2/library/app/manifests/v1?ns=origin.test`)
  t.equal(man.status, 200)
  t.same(man.bytes, Buffer.from(image.manifest))
  t.equal(origin.count('headManifest'), 1, 'the tag resolution is cached')
  t.equal(origin.count('getManifest'), 1, 'the manifest is fetched once, then served from the store')

  const byDigest = await get(`${m.url}/v2/library/app/manifests/${image.digest}`)
  t.equal(byDigest.status, 200)
  t.equal(origin.count('getManifest'), 1)

  const blob = await get(`${m.url}/v2/library/app/blobs/${image.layers[0]!.digest}`)
  t.equal(blob.status, 200)
  t.equal(blob.headers.get('docker-content-digest'), image.layers[0]!.digest)
  t.equal(Number(blob.headers.get('content-length')), layer.byteLength)
  t.equal(sha256(blob.bytes), image.layers[0]!.digest)
  t.ok(await node.store.hasBlob(image.layers[0]!.digest), 'the blob streamed from the origin is stored')
  t.ok(m.provided.includes(digestToCid(image.layers[0]!.digest).toString()), 'and announced')
  const index = await node.store.getIndex(image.layers[0]!.digest)
  t.ok(index!.shards.every(s => m.provided.includes(s.cid.toString())), 'with each of its shards')

  const ranged = await get(`${m.url}/v2/library/app/blobs/${image.layers[0]!.digest}`, { headers: { range: 'bytes=1000-2999999' } })
  t.equal(ranged.status, 206)
  t.equal(ranged.headers.get('content-range'), `bytes 1000-2999999/${layer.byteLength}`)
  t.same(ranged.bytes, Buffer.from(layer.subarray(1000, 3000000)))
  t.equal(origin.count('getBlob'), 1, 'the second read came from the store')

  const headBlob = await fetch(`${m.url}/v2/library/app/blobs/${image.config.digest}`, { method: 'HEAD' })
  t.equal(headBlob.status, 200)
  t.equal(Number(headBlob.headers.get('content-length')), image.config.bytes.byteLength)

  const events = m.served.filter(e => e.kind === 'blob' && e.digest === image.layers[0]!.digest)
  t.equal(events.length, 2)
  t.equal(events[0]!.bytesBySource.origin, layer.byteLength, 'usage: the first read came from the origin')
  t.equal(events[1]!.bytesBySource.local, 3000000 - 1000, 'usage: the range came from the store')
  t.equal(events[0]!.repository, 'library/app')
  t.equal(events[0]!.origin, 'origin.test')
})

t.test('concurrent requests for one blob share one origin stream, and the first byte leaves early', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  origin.pieceDelayMs = 2
  const layer = randomBytes(8 * MiB, 2)
  const image = makeImage([layer])
  origin.push('app', 'v1', image)
  const m = await startMirror(node, origin)
  t.teardown(m.stop)
  const url = `${m.url}/v2/app/blobs/${image.layers[0]!.digest}`
  const firstByte = async (): Promise<{ firstMs: number, lastMs: number, digest: string }> => {
    const start = performance.now()
    const res = await fetch(url)
    let firstMs = -1
    const parts: Buffer[] = []
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      if (firstMs < 0) firstMs = performance.now() - start
      parts.push(Buffer.from(chunk))
    }
    return { firstMs, lastMs: performance.now() - start, digest: sha256(Buffer.concat(parts)) }
  }
  const results = await Promise.all([firstByte(), firstByte(), firstByte()])
  for (const r of results) {
    t.equal(r.digest, image.layers[0]!.digest)
    t.ok(r.firstMs < r.lastMs / 2, `first byte at ${r.firstMs.toFixed(0)} ms, last at ${r.lastMs.toFixed(0)} ms`)
  }
  t.equal(origin.count('getBlob'), 1, 'one origin stream for three clients')
})

t.test('a blob that fails its digest is cut off, not stored whole, and the next request starts afresh', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  const layer = randomBytes(2 * MiB, 3)
  const image = makeImage([layer])
  origin.push('app', 'v1', image)
  origin.corrupt.add(image.layers[0]!.digest)
  const m = await startMirror(node, origin)
  t.teardown(m.stop)
  const url = `${m.url}/v2/app/blobs/${image.layers[0]!.digest}`
  await t.rejects(get(url), 'the client sees the response cut off')
  t.notOk(await node.store.hasBlob(image.layers[0]!.digest))
  origin.corrupt.clear()
  const ok = await get(url)
  t.equal(ok.status, 200)
  t.equal(sha256(ok.bytes), image.layers[0]!.digest)
})

t.test('bad requests get OCI error bodies and the mirror keeps serving', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  const image = makeImage([randomBytes(1000, 4)])
  origin.push('app', 'v1', image)
  const m = await startMirror(node, origin)
  t.teardown(m.stop)
  const cases: Array<[string, RequestInit, number, string]> = [
    ['/v2/UPPER/manifests/v1', {}, 400, 'NAME_INVALID'],
    ['/v2/app/manifests/-bad', {}, 400, 'TAG_INVALID'],
    ['/v2/app/blobs/sha256:xyz', {}, 400, 'DIGEST_INVALID'],
    ['/v2/app/blobs/sha512:' + 'a'.repeat(128), {}, 400, 'DIGEST_INVALID'],
    [`/v2/app/blobs/${sha256('nothing')}`, {}, 404, 'BLOB_UNKNOWN'],
    ['/v2/app/manifests/v2', {}, 404, 'MANIFEST_UNKNOWN'],
    ['/v2/app/manifests/v1?ns=bad%2Fhost', {}, 400, 'NAME_INVALID'],
    ['/v2/app/blobs/uploads/', { method: 'POST' }, 405, 'UNSUPPORTED'],
    ['/v2/app/manifests/v1', { method: 'PUT', body: '{}' }, 405, 'UNSUPPORTED'],
    ['/v2/app/tags/list', {}, 405, 'UNSUPPORTED'],
    ['/other', {}, 405, 'UNSUPPORTED'],
    [`/v2/app/blobs/${image.layers[0]!.digest}`, { headers: { range: 'bytes=5000-6000' } }, 416, 'RANGE_INVALID']
  ]
  for (const [path, init, status, code] of cases) {
    const r = await get(m.url + path, init)
    t.equal(r.status, status, `${init.method ?? 'GET'} ${path}: ${status}`)
    const body = JSON.parse(r.bytes.toString()) as { errors: Array<{ code: string, message: string }> }
    t.equal(body.errors[0]?.code, code, `${path}: ${code}: ${body.errors[0]?.message ?? ''}`)
  }
  const huge = await raw(m.url, `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`)
  t.match(huge, /^HTTP\/1.1 431/)
  t.match(huge, /"code":"UNSUPPORTED"/)
  const garbage = await raw(m.url, 'NOT HTTP AT ALL\r\n\r\n')
  t.match(garbage, /^HTTP\/1.1 400/)
  origin.mode = 'unauthorized'
  const denied = await get(`${m.url}/v2/app/manifests/v1`)
  t.equal(denied.status, 401)
  t.match(denied.bytes.toString(), /UNAUTHORIZED/)
  origin.mode = undefined
  const ok = await get(`${m.url}/v2/app/manifests/v1`)
  t.equal(ok.status, 200, 'still serving')
})

t.test('an unreachable origin: tags fall back to their last known digest, digests come from the store', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const node = await swarm.spawn('a')
  const origin = new MemoryOrigin()
  const image = makeImage([randomBytes(300_000, 5)])
  origin.push('app', 'v1', image)
  const m = await startMirror(node, origin, { tagCacheMs: 0 })
  t.teardown(m.stop)
  t.equal((await get(`${m.url}/v2/app/manifests/v1`)).status, 200)
  t.equal((await get(`${m.url}/v2/app/blobs/${image.layers[0]!.digest}`)).status, 200)
  origin.mode = 'unavailable'
  const man = await get(`${m.url}/v2/app/manifests/v1`)
  t.equal(man.status, 200)
  t.equal(man.headers.get('docker-content-digest'), image.digest)
  t.equal((await get(`${m.url}/v2/app/blobs/${image.layers[0]!.digest}`)).status, 200)
  const unknown = await get(`${m.url}/v2/app/manifests/v9`)
  t.equal(unknown.status, 503, 'a tag never seen cannot be resolved')
  t.match(unknown.bytes.toString(), /UNAVAILABLE/)
})

t.test('a blob a peer holds comes from the peer in order; shards nobody has come from the origin by range', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const origin = new MemoryOrigin()
  const layer = randomBytes(6 * MiB, 6)
  const image = makeImage([layer])
  origin.push('app', 'v1', image)
  // A pulls through its mirror (from the origin), then B pulls through its own.
  const ma = await startMirror(a, origin)
  t.teardown(ma.stop)
  const mb = await startMirror(b, origin)
  t.teardown(mb.stop)
  t.equal(sha256((await get(`${ma.url}/v2/app/blobs/${image.layers[0]!.digest}`)).bytes), image.layers[0]!.digest)
  // Drop some of A's shards: B must get those from the origin by range.
  const index = (await a.store.getIndex(image.layers[0]!.digest))!
  for (const s of index.shards.slice(0, 2)) await a.store.delete(s.cid)
  const before = origin.count('getBlob')
  const got = await get(`${mb.url}/v2/app/blobs/${image.layers[0]!.digest}`)
  t.equal(sha256(got.bytes), image.layers[0]!.digest)
  t.equal(origin.count('getBlob'), before, 'no whole-blob request to the origin')
  t.ok(origin.count('getRange') >= 2, 'the missing shards came by range')
  const ev = mb.served.find(e => e.kind === 'blob')!
  t.ok(ev.bytesBySource.peer > 0, `peer bytes ${ev.bytesBySource.peer}`)
  t.ok(ev.bytesBySource.origin > 0 && ev.bytesBySource.origin < layer.byteLength, `origin bytes ${ev.bytesBySource.origin}`)
})

t.test('a small blob or manifest whose size a manifest declared comes from the origin at once; from peers only when the origin is unreachable', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  const c = await swarm.spawn('c')
  await swarm.connect()
  const origin = new MemoryOrigin()
  const small = randomBytes(20_000, 11)
  const image = makeImage([small])
  origin.push('app', 'v1', image)
  const ma = await startMirror(a, origin)
  t.teardown(ma.stop)
  const mb = await startMirror(b, origin)
  t.teardown(mb.stop)
  const mc = await startMirror(c, origin)
  t.teardown(mc.stop)
  for (const url of [ma.url, mb.url, mc.url]) t.equal((await get(`${url}/v2/app/manifests/v1`)).status, 200)
  t.equal(origin.count('getManifest'), 3, 'each host took the small manifest from the origin, not from a peer that had it')
  t.equal(sha256((await get(`${ma.url}/v2/app/blobs/${image.layers[0]!.digest}`)).bytes), image.layers[0]!.digest)
  t.equal(sha256((await get(`${mb.url}/v2/app/blobs/${image.layers[0]!.digest}`)).bytes), image.layers[0]!.digest)
  t.equal(origin.count('getBlob'), 2, 'b took the small layer from the origin too')
  t.same(mb.served.filter(e => e.kind === 'blob').map(e => e.bytesBySource), [{ local: 0, peer: 0, origin: small.byteLength }])
  // The origin goes away: the small layer still comes, from a peer.
  origin.mode = 'unavailable'
  const got = await get(`${mc.url}/v2/app/blobs/${image.layers[0]!.digest}`)
  t.equal(got.status, 200)
  t.equal(sha256(got.bytes), image.layers[0]!.digest)
  t.same(mc.served.filter(e => e.kind === 'blob').map(e => e.bytesBySource), [{ local: 0, peer: small.byteLength, origin: 0 }], 'from a peer')
})

t.test('a peer whose index does not match the blob: the response is cut and the peer penalised', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const liar = await swarm.spawn('liar')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const real = randomBytes(1 * MiB, 8)
  const digest = sha256(real)
  // The liar serves other bytes under the real blob's digest.
  const { index, shards } = fixedIndex(randomBytes(1 * MiB, 9))
  for (const s of shards) await liar.store.put(s.cid, s.bytes)
  await liar.store.putIndex({ ...index, digest })
  liar.routing.provide(digestToCid(digest))
  const m = await startMirror(b, undefined)
  t.teardown(m.stop)
  await t.rejects(get(`${m.url}/v2/app/blobs/${digest}`), 'the client sees the response cut off')
  t.same(m.penalised, [liar.node.peerId.toString()], 'the liar is penalised')
  t.notOk(await b.store.hasBlob(digest), 'nothing is kept under the digest')
})

t.test('the origin is down and this host never saw the tag: peers answer with their last resolution', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  const c = await swarm.spawn('c')
  await swarm.connect()
  const origin = new MemoryOrigin()
  const image = makeImage([randomBytes(500_000, 10)])
  origin.push('app', 'v1', image)
  const ma = await startMirror(a, origin, {}, { peerTags: true })
  t.teardown(ma.stop)
  const mb = await startMirror(b, origin, {}, { peerTags: true })
  t.teardown(mb.stop)
  const mc = await startMirror(c, origin, { tagFallback: false }, { peerTags: true })
  t.teardown(mc.stop)
  t.equal((await get(`${ma.url}/v2/app/manifests/v1`)).status, 200, 'A resolves the tag at the origin')
  t.equal((await get(`${ma.url}/v2/app/blobs/${image.layers[0]!.digest}`)).status, 200)
  origin.mode = 'unavailable'
  const man = await get(`${mb.url}/v2/app/manifests/v1`)
  t.equal(man.status, 200, 'B gets the tag from A')
  t.equal(man.headers.get('docker-content-digest'), image.digest)
  t.same(man.bytes, Buffer.from(image.manifest))
  t.equal(sha256((await get(`${mb.url}/v2/app/blobs/${image.layers[0]!.digest}`)).bytes), image.layers[0]!.digest, 'and the layer from A')
  t.equal((await mb.tags.get('origin.test', 'app', 'v1'))?.digest, image.digest, 'B remembers the answer')
  t.equal((await get(`${mc.url}/v2/app/manifests/v1`)).status, 503, 'with tag fallback off, C refuses')
  t.equal((await get(`${mb.url}/v2/app/manifests/v2`)).status, 503, 'a tag no peer knows is still unavailable')
})
