import { statSync } from 'node:fs'
import t from 'tap'
import { PROMETHEUS_CONTENT_TYPE } from '../../src/admin/routes.js'
import { FAKE_PEER, REMOTE_PEER, sha256Digest } from './fake-daemon.js'
import { call, errorName, startAdmin } from './helpers.js'

const OCTET = { 'content-type': 'application/octet-stream' }
const JSON_TYPE = { 'content-type': 'application/json' }
const MISSING = 'sha256:' + 'ab'.repeat(32)

t.test('GET routes answer with the daemon\'s JSON', async t => {
  const { fake, address } = await startAdmin(t)
  t.equal(statSync(address).mode & 0o777, 0o600, 'socket is mode 0600')
  const bytes = Buffer.from('hello shard world')
  const digest = sha256Digest(bytes)
  fake.local.set(digest, bytes)

  const status = await call(address, 'GET', '/v1/status')
  t.equal(status.status, 200)
  t.match(status.headers['content-type'], /^application\/json/)
  t.same(status.json(), await fake.status())

  const peers = await call(address, 'GET', '/v1/peers')
  t.same((peers.json() as Array<{ peerId: string }>).map(p => p.peerId), [REMOTE_PEER])

  const blobs = await call(address, 'GET', '/v1/blobs')
  t.same((blobs.json() as Array<{ digest: string }>).map(b => b.digest), [digest])

  const shards = await call(address, 'GET', `/v1/shards?layer=${digest}&providers=1`)
  t.equal(shards.status, 200)
  const rows = shards.json() as Array<{ layer: string, position: number, providers: string[] }>
  t.equal(rows.length, 5)
  t.same(rows[4], { cid: `bafkfake${digest.slice(7, 15)}4`, sizeBytes: 1, held: true, layer: digest, position: 4, providers: [FAKE_PEER] })
  t.ok(fake.calls.includes(`shards ${digest} true`), 'layer and providers reach the daemon')

  const noProviders = await call(address, 'GET', '/v1/shards')
  t.equal((noProviders.json() as unknown[]).length, 5)
  t.ok(fake.calls.includes('shards - false'))

  const metrics = await call(address, 'GET', '/metrics')
  t.equal(metrics.status, 200)
  t.equal(metrics.headers['content-type'], PROMETHEUS_CONTENT_TYPE)
  t.equal(metrics.body.toString(), '# TYPE shoal_blobs gauge\nshoal_blobs 1\n')
})

t.test('POST /v1/blobs streams the body into add', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = Buffer.alloc(300_000, 7)
  const digest = sha256Digest(bytes)
  const created = await call(address, 'POST', '/v1/blobs', { headers: OCTET, body: bytes })
  t.equal(created.status, 201)
  t.equal(created.headers.location, `/v1/blobs/${digest}`)
  t.same(created.json(), { digest, sizeBytes: bytes.byteLength, shards: 75_000, indexCid: 'bafyindex' + digest.slice(7, 15) })
  t.same(fake.local.get(digest), bytes)

  const expected = await call(address, 'POST', `/v1/blobs?digest=${digest}`, { headers: OCTET, body: bytes })
  t.equal(expected.status, 201, 'a matching expected digest passes')

  const wrong = await call(address, 'POST', `/v1/blobs?digest=${MISSING}`, { headers: OCTET, body: bytes })
  t.equal(wrong.status, 400)
  t.equal(errorName(wrong), 'BlobDigestMismatchError')

  const bad = await call(address, 'POST', '/v1/blobs?digest=md5:abc', { headers: OCTET, body: bytes })
  t.equal(bad.status, 400)
  t.equal(errorName(bad), 'InvalidDigestError')

  const form = await call(address, 'POST', '/v1/blobs', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bytes })
  t.equal(form.status, 415, 'a browser form post is refused')
  t.equal(errorName(form), 'UnsupportedMediaTypeError')

  fake.capacityBytes = 1000
  const full = await call(address, 'POST', '/v1/blobs', { headers: OCTET, body: Buffer.alloc(5000, 1) })
  t.equal(full.status, 507)
  t.equal(errorName(full), 'StoreFullError')
})

t.test('GET /v1/blobs/DIGEST streams bytes and honours Range', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251))
  const digest = sha256Digest(bytes)
  fake.local.set(digest, bytes)

  const whole = await call(address, 'GET', `/v1/blobs/${digest}`)
  t.equal(whole.status, 200)
  t.equal(whole.headers['content-type'], 'application/octet-stream')
  t.equal(whole.headers['accept-ranges'], 'bytes')
  t.same(whole.body, bytes, 'all 3 chunks arrive in order')

  const encoded = await call(address, 'GET', `/v1/blobs/${encodeURIComponent(digest)}`)
  t.same(encoded.body, bytes, 'a percent-encoded colon works too')

  const mid = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=998-1001' } })
  t.equal(mid.status, 206)
  t.equal(mid.headers['content-range'], 'bytes 998-1001/2500')
  t.equal(mid.headers['content-length'], '4')
  t.same(mid.body, bytes.subarray(998, 1002), 'a range across a chunk boundary')

  const open = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=2400-' } })
  t.equal(open.headers['content-range'], 'bytes 2400-2499/2500')
  t.same(open.body, bytes.subarray(2400))

  const suffix = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=-10' } })
  t.equal(suffix.headers['content-range'], 'bytes 2490-2499/2500')
  t.same(suffix.body, bytes.subarray(2490))

  const clipped = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=2490-99999' } })
  t.equal(clipped.headers['content-range'], 'bytes 2490-2499/2500', 'an end past the blob is clipped')

  const outside = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=2500-2600' } })
  t.equal(outside.status, 416)
  t.equal(outside.headers['content-range'], 'bytes */2500')
  t.same(outside.json(), { error: { name: 'InvalidRangeError', message: `range offset=2500 length=101 is outside blob ${digest} of 2500 bytes` } })

  const multi = await call(address, 'GET', `/v1/blobs/${digest}`, { headers: { range: 'bytes=0-1,5-6' } })
  t.equal(multi.status, 200, 'several ranges: the whole blob')
  t.same(multi.body, bytes)

  const missing = await call(address, 'GET', `/v1/blobs/${MISSING}`)
  t.equal(missing.status, 404)
  t.equal(errorName(missing), 'BlobNotFoundError')
  const missingRange = await call(address, 'GET', `/v1/blobs/${MISSING}`, { headers: { range: 'bytes=0-1' } })
  t.equal(missingRange.status, 404)

  const invalid = await call(address, 'GET', '/v1/blobs/sha256:nothex')
  t.equal(invalid.status, 400)
  t.equal(errorName(invalid), 'InvalidDigestError')
  const badEscape = await call(address, 'GET', '/v1/blobs/%E0%A4%A')
  t.equal(badEscape.status, 400)
  t.equal(errorName(badEscape), 'InvalidRequestError')
})

t.test('a read that fails after the headers cuts the connection', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = Buffer.alloc(5000, 3)
  const digest = sha256Digest(bytes)
  fake.local.set(digest, bytes)
  fake.hooks.failReadAfterFirstChunk = new Error('disk on fire')
  await t.rejects(call(address, 'GET', `/v1/blobs/${digest}`), 'the client cannot mistake a short body for the blob')
  delete fake.hooks.failReadAfterFirstChunk
  const again = await call(address, 'GET', '/v1/status')
  t.equal(again.status, 200, 'the server carries on')
})

t.test('POST /v1/fetch', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = Buffer.from('from a peer')
  const digest = sha256Digest(bytes)
  fake.remote.set(digest, bytes)

  const ok = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: JSON.stringify({ digest }) })
  t.equal(ok.status, 200)
  t.match(ok.json(), { digest, sizeBytes: bytes.byteLength, bytesBySource: { peer: bytes.byteLength }, bytesByPeer: { [REMOTE_PEER]: bytes.byteLength } })

  const failed = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: JSON.stringify({ digest: MISSING }) })
  t.equal(failed.status, 502)
  t.same(failed.json(), { error: { name: 'FetchFailedError', message: `no shard index for ${MISSING}: no provider has one and there is no origin` } })

  const malformed = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: '{"digest": ' })
  t.equal(malformed.status, 400)
  t.equal(errorName(malformed), 'InvalidRequestError')

  for (const body of ['[]', 'null', '"sha256:x"', '{}', '{"digest": 5}']) {
    const r = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body })
    t.equal(r.status, 400, `body ${body}`)
  }
  const notDigest = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: '{"digest": "latest"}' })
  t.equal(errorName(notDigest), 'InvalidDigestError')

  const plain = await call(address, 'POST', '/v1/fetch', { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ digest }) })
  t.equal(plain.status, 415, 'text/plain (a cross-site simple request) is refused')

  const big = await call(address, 'POST', '/v1/fetch', { headers: JSON_TYPE, body: JSON.stringify({ digest, pad: 'x'.repeat(70 * 1024) }) })
  t.equal(big.status, 413)
  t.equal(errorName(big), 'PayloadTooLargeError')

  const bigChunked = await call(address, 'POST', '/v1/fetch', { headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' }, body: JSON.stringify({ digest, pad: 'x'.repeat(70 * 1024) }) })
  t.equal(bigChunked.status, 413, 'without Content-Length the limit is counted')
})

t.test('unknown routes, methods and query parameters', async t => {
  const { address } = await startAdmin(t)
  const nope = await call(address, 'GET', '/v2/status')
  t.equal(nope.status, 404)
  t.equal(errorName(nope), 'RouteNotFoundError')

  const method = await call(address, 'DELETE', '/v1/blobs')
  t.equal(method.status, 405)
  t.equal(method.headers.allow, 'GET, POST')
  t.equal(errorName(method), 'MethodNotAllowedError')

  const put = await call(address, 'PUT', '/v1/status')
  t.equal(put.headers.allow, 'GET')

  const typo = await call(address, 'GET', '/v1/shards?provider=1')
  t.equal(typo.status, 400)
  t.match(errorName(typo), 'InvalidRequestError')

  const twice = await call(address, 'GET', '/v1/shards?providers=1&providers=0')
  t.equal(twice.status, 400)

  const flag = await call(address, 'GET', '/v1/shards?providers=maybe')
  t.equal(flag.status, 400)

  const layer = await call(address, 'GET', '/v1/shards?layer=abc')
  t.equal(errorName(layer), 'InvalidDigestError')

  const missingLayer = await call(address, 'GET', `/v1/shards?layer=${MISSING}`)
  t.equal(missingLayer.status, 404)
})

t.test('Range header parsing', async t => {
  const { parseRange } = await import('../../src/admin/http.js')
  const d = MISSING
  t.same(parseRange('bytes=0-0', 10, d), { offset: 0, length: 1 })
  t.same(parseRange('bytes=3-', 10, d), { offset: 3, length: 7 })
  t.same(parseRange('bytes=-4', 10, d), { offset: 6, length: 4 })
  t.same(parseRange('bytes=-40', 10, d), { offset: 0, length: 10 }, 'a suffix longer than the blob is the blob')
  t.same(parseRange('bytes=8-20', 10, d), { offset: 8, length: 2 })
  for (const ignored of [undefined, 'items=0-1', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=a-b', 'bytes=0-1,3-4', 'bytes=99999999999999999999-']) {
    t.equal(parseRange(ignored, 10, d), undefined, `ignored: ${String(ignored)}`)
  }
  for (const unsatisfiable of ['bytes=10-', 'bytes=10-12', 'bytes=-0']) {
    t.throws(() => parseRange(unsatisfiable, 10, d), { name: 'InvalidRangeError', size: 10 }, unsatisfiable)
  }
  t.throws(() => parseRange('bytes=-5', 0, d), { name: 'InvalidRangeError' }, 'nothing to take from an empty blob')
})
