import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { OriginRegistry } from '../../../src/registry/index.js'
import { OriginClient, OriginNotFoundError, OriginProtocolError, OriginUnavailableError } from '../../../src/registry/origin/index.js'
import { FakeRegistry, sha256 } from './fake-registry.js'
import { OCI_INDEX, OCI_MANIFEST, bytesOf, collect, manifestOf, quietLogger, spawn } from './helpers.js'

t.test('anonymous pull: manifests by tag and digest, blobs, HEADs', async t => {
  const { registry, client: originClient, teardown } = await spawn()
  t.teardown(teardown)
  const client: OriginRegistry = originClient // the mirror's view of it
  const layer = bytesOf(100_000)
  const layerDigest = registry.addBlob(layer)
  const digest = registry.addManifest('team/app', 'v1', manifestOf(layerDigest, layer.byteLength), OCI_MANIFEST)

  const m = await client.getManifest(registry.host, 'team/app', 'v1')
  t.equal(m.digest, digest)
  t.equal(m.digest, sha256(m.bytes))
  t.equal(m.mediaType, OCI_MANIFEST, 'Content-Type without its parameters')
  t.same(JSON.parse(Buffer.from(m.bytes).toString()), manifestOf(layerDigest, layer.byteLength))
  t.equal(registry.requests[0]?.accept, [OCI_INDEX, OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', '))
  t.equal(registry.requests[0]?.authorization, undefined, 'anonymous')

  t.equal((await client.getManifest(registry.host, 'team/app', digest)).digest, digest, 'by digest')
  t.same(await client.headManifest(registry.host, 'team/app', 'v1'), { digest, mediaType: OCI_MANIFEST, sizeBytes: m.bytes.byteLength })
  t.same(await client.headBlob(registry.host, 'team/app', layerDigest), { sizeBytes: layer.byteLength })
  const blob = await client.getBlob(registry.host, 'team/app', layerDigest)
  t.equal(blob.sizeBytes, layer.byteLength)
  t.same(await collect(blob.body), Buffer.from(layer))
  t.equal(registry.requests.length, 5, 'no retries, no auth round trips')
})

t.test('the media type comes from the JSON when there is no Content-Type', async t => {
  const { registry, client, teardown } = await spawn({ omitManifestContentType: true })
  t.teardown(teardown)
  registry.addManifest('app', 'v1', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, OCI_INDEX)
  t.equal((await client.getManifest(registry.host, 'app', 'v1')).mediaType, OCI_INDEX)
  const head = await client.headManifest(registry.host, 'app', 'v1')
  t.equal(head.mediaType, OCI_INDEX, 'a HEAD without a media type falls back to GET')
  t.same(registry.requests.slice(-2).map(r => r.method), ['HEAD', 'GET'])
})

t.test('404 is OriginNotFoundError naming the repository and reference, with the OCI code', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const err = await client.getManifest(registry.host, 'team/app', 'nope').catch((e: unknown) => e)
  t.ok(err instanceof OriginNotFoundError)
  t.match(err, { name: 'OriginNotFoundError', host: registry.host, code: 'MANIFEST_UNKNOWN', message: /team\/app:nope not found \(MANIFEST_UNKNOWN/ })
  await t.rejects(client.headManifest(registry.host, 'team/app', 'nope'), { name: 'OriginNotFoundError', message: /team\/app:nope/ })
  const missing = sha256(new Uint8Array([1]))
  await t.rejects(client.getBlob(registry.host, 'team/app', missing), { name: 'OriginNotFoundError', code: 'BLOB_UNKNOWN', message: new RegExp(`team/app@${missing}`) })
  await t.rejects(client.getRange(registry.host, 'team/app', missing, 0, 10), { name: 'OriginNotFoundError' })
  t.equal(registry.requests.length, 4, '404s are not retried')
})

t.test('503 twice, then OK: the retries carry it', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  registry.addManifest('app', 'v1', manifestOf(sha256(new Uint8Array()), 0), OCI_MANIFEST)
  registry.failNext(2)
  const m = await client.getManifest(registry.host, 'app', 'v1')
  t.equal(m.mediaType, OCI_MANIFEST)
  t.equal(registry.requests.length, 3)

  registry.failNext(3)
  const err = await client.getManifest(registry.host, 'app', 'v1').catch((e: unknown) => e)
  t.ok(err instanceof OriginUnavailableError)
  t.match(err, { host: registry.host, message: new RegExp(`origin ${registry.host} answered 503 for manifest app:v1 \\(gave up after 3 attempts\\)`) })
})

t.test('a closed socket and a 429 with Retry-After are retried; a Retry-After beyond the cap is not waited for', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const blob = bytesOf(1000)
  const digest = registry.addBlob(blob)
  registry.failNext(1, 'close')
  t.same(await collect((await client.getBlob(registry.host, 'app', digest)).body), Buffer.from(blob))

  registry.failNext(1, { status: 429, retryAfter: '1' })
  const started = Date.now()
  t.same(await client.headBlob(registry.host, 'app', digest), { sizeBytes: 1000 })
  t.ok(Date.now() - started >= 900, 'waited the Retry-After second')

  registry.failNext(1, { status: 429, retryAfter: '120' })
  const before = registry.requests.length
  await t.rejects(client.headBlob(registry.host, 'app', digest), { name: 'OriginUnavailableError', message: /429.*retry after 120 s/ })
  t.equal(registry.requests.length, before + 1)
})

t.test('an unreachable port is OriginUnavailableError, quickly', async t => {
  const probe = createServer()
  await new Promise<void>(resolve => { probe.listen(0, '127.0.0.1', resolve) })
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>(resolve => { probe.close(() => { resolve() }) })
  const client = new OriginClient({}, { logger: quietLogger })
  t.teardown(async () => { await client.close() })
  const started = Date.now()
  const err = await client.getManifest(`127.0.0.1:${port}`, 'app', 'v1').catch((e: unknown) => e)
  t.ok(err instanceof OriginUnavailableError)
  t.match(err, { host: `127.0.0.1:${port}`, message: new RegExp(`origin 127.0.0.1:${port}: ECONNREFUSED.*gave up after 3 attempts`) })
  t.ok(Date.now() - started < 3000, `failed in ${Date.now() - started} ms`)
})

t.test('an origin that does not answer times out', async t => {
  const { registry, client, teardown } = await spawn({}, host => ({ origins: { [host]: { timeoutMs: 300, retries: 1 } } }))
  t.teardown(teardown)
  registry.hang = true
  const started = Date.now()
  await t.rejects(client.getManifest(registry.host, 'app', 'v1'), { name: 'OriginUnavailableError', message: /no response within 300 ms.*gave up after 2 attempts/ })
  t.ok(Date.now() - started < 5000)
  t.equal(registry.requests.length, 2)
})

t.test('a manifest whose bytes do not match the digest asked for is OriginProtocolError', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const wanted = registry.addManifest('app', 'v1', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }, OCI_MANIFEST)
  registry.manifests.set(`app:${wanted}`, { bytes: Buffer.from('{"schemaVersion":2,"evil":true}'), mediaType: OCI_MANIFEST })
  const err = await client.getManifest(registry.host, 'app', wanted).catch((e: unknown) => e)
  t.ok(err instanceof OriginProtocolError)
  t.match(err, { host: registry.host, message: /not the one asked for/ })
  t.equal(registry.requests.length, 1, 'not retried')
})

t.test('an oversized manifest is refused', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  registry.addManifest('app', 'big', 'x'.repeat(4 * 1024 * 1024 + 1), OCI_MANIFEST)
  await t.rejects(client.getManifest(registry.host, 'app', 'big'), { name: 'OriginProtocolError', message: /4194305 bytes, more than the 4194304 allowed/ })
})

t.test('getRange returns exactly the bytes of the range', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const blob = bytesOf(300_000, 7)
  const digest = registry.addBlob(blob)
  for (const [offset, length] of [[0, 1], [0, 300_000], [123_457, 65_536], [299_999, 1]] as const) {
    const got = await client.getRange(registry.host, 'app', digest, offset, length)
    t.equal(got.byteLength, length)
    t.same(Buffer.from(got), Buffer.from(blob.subarray(offset, offset + length)), `${offset}+${length}`)
  }
  t.equal(registry.requests.at(-1)?.range, 'bytes=299999-299999')
  await t.rejects(client.getRange(registry.host, 'app', digest, 300_000, 10), { name: 'OriginProtocolError', message: /416/ })
  await t.rejects(client.getRange(registry.host, 'app', digest, -1, 10), { name: 'InvalidOriginRequestError' })
  await t.rejects(client.getRange(registry.host, 'app', digest, 0, 0), { name: 'InvalidOriginRequestError' })
})

t.test('getRange from a server that ignores Range skips to the offset', async t => {
  const { registry, client, teardown } = await spawn({ ignoreRange: true })
  t.teardown(teardown)
  const blob = bytesOf(500_000, 9)
  const digest = registry.addBlob(blob)
  const got = await client.getRange(registry.host, 'app', digest, 200_001, 1000)
  t.same(Buffer.from(got), Buffer.from(blob.subarray(200_001, 201_001)))
  await t.rejects(client.getRange(registry.host, 'app', digest, 499_990, 100), { name: 'OriginProtocolError', message: /ends beyond it/ })
})

t.test('blobs redirected to a storage host are fetched without the Authorization header', async t => {
  const storage = await new FakeRegistry().start()
  const { registry, client, teardown } = await spawn({ auth: 'basic', users: { alice: 's3cret' } }, host => ({ origins: { [host]: { username: 'alice', password: 's3cret' } } }))
  t.teardown(async () => { await teardown(); await storage.stop() })
  registry.redirectBlobsTo = storage.url
  const blob = bytesOf(70_000, 3)
  const digest = storage.addBlob(blob)
  const got = await client.getBlob(registry.host, 'app', digest)
  t.same(await collect(got.body), Buffer.from(blob))
  t.same(await client.headBlob(registry.host, 'app', digest), { sizeBytes: 70_000 })
  t.same(Buffer.from(await client.getRange(registry.host, 'app', digest, 10, 20)), Buffer.from(blob.subarray(10, 30)))
  t.ok(registry.apiRequests.some(r => r.authorization?.startsWith('Basic ') === true), 'the registry got the credentials')
  t.equal(storage.requests.length, 3)
  t.ok(storage.requests.every(r => r.authorization === undefined), 'the storage host did not')
  t.equal(storage.requests[1]?.method, 'GET', 'a redirected HEAD asks the storage for one byte')
  t.equal(storage.requests[1]?.range, 'bytes=0-0')
})

t.test('aborting the signal stops a blob stream', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const digest = registry.addBlob(bytesOf(1_000_000))
  registry.stallBlobsAfterBytes = 100_000
  const controller = new AbortController()
  const { body } = await client.getBlob(registry.host, 'app', digest, { signal: controller.signal })
  let received = 0
  const reason = new Error('caller went away')
  const started = Date.now()
  const err = await (async () => {
    for await (const chunk of body) {
      received += chunk.byteLength
      if (received >= 100_000) setTimeout(() => { controller.abort(reason) }, 20)
    }
  })().catch((e: unknown) => e)
  t.equal(err, reason, 'the stream ends with the abort reason')
  t.equal(received, 100_000)
  t.ok(Date.now() - started < 5000)
  await t.rejects(client.getBlob(registry.host, 'app', digest, { signal: controller.signal }), reason, 'an aborted signal stops a request before it starts')
})

t.test('a blob body that stalls ends the stream with OriginUnavailableError', async t => {
  const { registry, client, teardown } = await spawn({}, host => ({ origins: { [host]: { timeoutMs: 300 } } }))
  t.teardown(teardown)
  const digest = registry.addBlob(bytesOf(200_000))
  registry.stallBlobsAfterBytes = 1000
  const { body } = await client.getBlob(registry.host, 'app', digest)
  await t.rejects(collect(body), { name: 'OriginUnavailableError', message: /stalled/ })
})

t.test('bad arguments and a closed client', async t => {
  const client = new OriginClient({}, { logger: quietLogger })
  await t.rejects(client.getManifest('127.0.0.1:1', 'app', 'bad tag!'), { name: 'InvalidOriginRequestError' })
  await t.rejects(client.getBlob('127.0.0.1:1', 'app', 'sha256:abc'), { name: 'InvalidOriginRequestError' })
  await t.rejects(client.getManifest('127.0.0.1:1/x', 'app', 'v1'), { name: 'InvalidOriginRequestError' })
  await client.close()
  await client.close()
  await t.rejects(client.getManifest('127.0.0.1:1', 'app', 'v1'), { name: 'OriginUnavailableError', message: /closed/ })
})
