import t from 'tap'
import { InvalidOriginRequestError, MAX_PUSH_BLOB_BYTES, OriginProtocolError, OriginRejectedError } from '../../../src/registry/origin/index.js'
import { sha256 } from './fake-registry.js'
import { OCI_INDEX, OCI_MANIFEST, bytesOf, spawn } from './helpers.js'

const EMPTY = new TextEncoder().encode('{}')
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

function artifact (layer: Uint8Array, extra: object = {}): Uint8Array {
  return enc({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.shoal.shard-index.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: 'application/vnd.shoal.shard-index.v1+json', digest: sha256(layer), size: layer.byteLength }],
    ...extra
  })
}

t.test('putBlob: HEAD, POST, PUT of the bytes with digest=; a blob the registry has is not uploaded again', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  t.equal(sha256(EMPTY), EMPTY_DIGEST)
  t.equal(await client.putBlob(registry.host, 'team/app', EMPTY_DIGEST, EMPTY), true)
  t.same(registry.blobs.get(EMPTY_DIGEST), Buffer.from(EMPTY))
  const [head, post, put] = registry.requests
  t.match(head, { method: 'HEAD', url: `/v2/team/app/blobs/${EMPTY_DIGEST}` })
  t.match(post, { method: 'POST', url: '/v2/team/app/blobs/uploads/', bodyBytes: 0 })
  t.equal(put?.method, 'PUT')
  t.equal(put?.contentType, 'application/octet-stream')
  t.equal(put?.bodyBytes, 2)
  t.equal(new URL(put?.url ?? '', 'http://x').searchParams.get('digest'), EMPTY_DIGEST)
  t.equal(registry.requests.length, 3)

  t.equal(await client.putBlob(registry.host, 'team/app', EMPTY_DIGEST, EMPTY), false, 'there already')
  t.same(registry.requests.slice(3).map(r => r.method), ['HEAD'], 'one HEAD, no upload')
})

t.test('upload Locations: relative or absolute, with or without a query of their own', async t => {
  for (const location of ['relative', 'absolute'] as const) {
    for (const query of [false, true]) {
      const { registry, client, teardown } = await spawn({ uploadLocation: location, uploadQuery: query })
      t.teardown(teardown)
      const layer = bytesOf(1000, 7)
      t.equal(await client.putBlob(registry.host, 'app', sha256(layer), layer), true, `${location}, query ${String(query)}`)
      t.same(registry.blobs.get(sha256(layer)), Buffer.from(layer))
      const put = new URL(registry.requests.at(-1)?.url ?? '', 'http://x')
      t.equal(put.searchParams.get('digest'), sha256(layer))
      t.equal(put.searchParams.has('_state'), query, 'the session\'s own query is kept')
      t.match(put.search, query ? /^\?_state=[^&]+&digest=sha256%3A[0-9a-f]{64}$/ : /^\?digest=sha256%3A[0-9a-f]{64}$/)
    }
  }
})

t.test('putBlob checks the bytes before any request', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const wrong = sha256(new Uint8Array([1]))
  const err = await client.putBlob(registry.host, 'app', wrong, EMPTY).catch((e: unknown) => e)
  t.ok(err instanceof InvalidOriginRequestError)
  t.match(err, { name: 'InvalidOriginRequestError', message: new RegExp(`the bytes given for blob ${wrong} hash to ${EMPTY_DIGEST}`) })
  await t.rejects(client.putBlob(registry.host, 'app', 'sha256:abc', EMPTY), { name: 'InvalidOriginRequestError', message: /invalid digest/ })
  const big = new Uint8Array(MAX_PUSH_BLOB_BYTES + 1)
  await t.rejects(client.putBlob(registry.host, 'app', sha256(big), big), { name: 'InvalidOriginRequestError', message: /at most 16777216/ })
  await t.rejects(client.putBlob(registry.host, 'Bad/Repo', EMPTY_DIGEST, EMPTY), { name: 'InvalidOriginRequestError', message: /repository name/ })
  t.equal(registry.requests.length, 0)
})

t.test('putManifest by tag and by digest: stored under both, the digest the registry reports', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const layer = enc({ shards: [] })
  await client.putBlob(registry.host, 'app', EMPTY_DIGEST, EMPTY)
  await client.putBlob(registry.host, 'app', sha256(layer), layer)
  const bytes = artifact(layer)
  const before = registry.requests.length
  const digest = await client.putManifest(registry.host, 'app', 'v1', bytes, OCI_MANIFEST)
  t.equal(digest, sha256(bytes))
  t.match(registry.requests.slice(before), [{ method: 'PUT', url: '/v2/app/manifests/v1', contentType: OCI_MANIFEST, bodyBytes: bytes.byteLength }])
  t.equal(registry.requests.length, before + 1)
  const back = await client.getManifest(registry.host, 'app', 'v1')
  t.same(back.bytes, Buffer.from(bytes), 'byte for byte')
  t.equal(back.mediaType, OCI_MANIFEST)

  const index = enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest, size: bytes.byteLength }] })
  t.equal(await client.putManifest(registry.host, 'app', sha256(index), index, OCI_INDEX), sha256(index), 'by digest')
  t.equal(registry.requests.at(-1)?.url, `/v2/app/manifests/${sha256(index)}`)
  t.equal((await client.getManifest(registry.host, 'app', sha256(index))).mediaType, OCI_INDEX)

  const n = registry.requests.length
  await t.rejects(client.putManifest(registry.host, 'app', sha256(bytes), index, OCI_INDEX), { name: 'InvalidOriginRequestError', message: /hashes to/ })
  await t.rejects(client.putManifest(registry.host, 'app', 'v1', index, 'application/JSON; charset=utf-8'), { name: 'InvalidOriginRequestError', message: /media type/ })
  await t.rejects(client.putManifest(registry.host, 'app', 'v1', new Uint8Array(), OCI_INDEX), { name: 'InvalidOriginRequestError', message: /1 to 4194304/ })
  await t.rejects(client.putManifest(registry.host, 'app', 'no:tag', index, OCI_INDEX), { name: 'InvalidOriginRequestError', message: /invalid reference/ })
  t.equal(registry.requests.length, n, 'refused before any request')
})

t.test('a registry refusing a manifest is OriginRejectedError with its OCI code, not retried', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const missing = enc({ missing: true })
  const err = await client.putManifest(registry.host, 'app', 'v1', artifact(missing), OCI_MANIFEST).catch((e: unknown) => e)
  t.ok(err instanceof OriginRejectedError)
  t.match(err, { name: 'OriginRejectedError', host: registry.host, status: 400, code: 'MANIFEST_BLOB_UNKNOWN' })
  t.match((err as Error).message, `origin ${registry.host} refused the push of manifest app:v1 (400 MANIFEST_BLOB_UNKNOWN: "blob unknown to registry: `)
  await t.rejects(client.putManifest(registry.host, 'app', 'v1', enc([1, 2]).subarray(1), OCI_MANIFEST), { name: 'OriginRejectedError', code: 'MANIFEST_INVALID' })
  t.equal(registry.requests.length, 2, 'one PUT each')
  t.equal(registry.manifests.size, 0)
})

t.test('an upload whose PUT fails with 503 starts again from the POST; a 400 is not retried', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  registry.failNext(1, { status: 503 }, 'PUT')
  t.equal(await client.putBlob(registry.host, 'app', EMPTY_DIGEST, EMPTY), true)
  t.same(registry.requests.map(r => r.method), ['HEAD', 'POST', 'PUT', 'POST', 'PUT'])
  t.equal(new Set(registry.requests.filter(r => r.method === 'PUT').map(r => r.url.split('?')[0])).size, 2, 'a new session')

  const layer = bytesOf(10, 3)
  registry.failNext(1, { status: 400 }, 'PUT')
  await t.rejects(client.putBlob(registry.host, 'app', sha256(layer), layer), { name: 'OriginRejectedError', status: 400, message: /refused the upload of blob app@sha256:/ })
  t.same(registry.requests.slice(5).map(r => r.method), ['HEAD', 'POST', 'PUT'])

  registry.failNext(2, { status: 502 }, 'PUT')
  const digest = await client.putManifest(registry.host, 'app', 'v2', enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_INDEX)
  t.equal(registry.manifests.get(`app:${digest}`)?.mediaType, OCI_INDEX, 'a manifest PUT is retried like a GET')
  t.same(registry.requests.slice(8).map(r => r.method), ['PUT', 'PUT', 'PUT'])
})

t.test('an upload answered 202 without a Location is OriginProtocolError', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  registry.failNext(1, { status: 202 }, 'POST')
  const err = await client.putBlob(registry.host, 'app', EMPTY_DIGEST, EMPTY).catch((e: unknown) => e)
  t.ok(err instanceof OriginProtocolError)
  t.match((err as Error).message, /answered the upload of blob app@sha256:\S+ with 202 but no Location/)
  t.same(registry.requests.map(r => r.method), ['HEAD', 'POST'])
})
