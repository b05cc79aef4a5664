import t from 'tap'
import type { OriginClient } from '../../../src/registry/origin/index.js'
import { OriginProtocolError } from '../../../src/registry/origin/index.js'
import { type FakeRegistry, sha256 } from './fake-registry.js'
import { OCI_INDEX, OCI_MANIFEST, spawn } from './helpers.js'

const SHARD = 'application/vnd.shoal.shard-index.v1+json'
const SBOM = 'application/spdx+json'
const EMPTY = new TextEncoder().encode('{}')
const EMPTY_DIGEST = sha256(EMPTY)
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

/** An image, and `types.length` artifacts naming it as their subject; the image's digest and the artifacts' digests. */
async function withReferrers (registry: FakeRegistry, client: OriginClient, types: string[]): Promise<{ subject: string, artifacts: string[] }> {
  await client.putBlob(registry.host, 'app', EMPTY_DIGEST, EMPTY)
  const image = enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: EMPTY_DIGEST, size: 2 }, layers: [] })
  const subject = await client.putManifest(registry.host, 'app', 'v1', image, OCI_MANIFEST)
  const artifacts: string[] = []
  for (const [i, artifactType] of types.entries()) {
    const bytes = enc({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: artifactType, digest: EMPTY_DIGEST, size: 2 }],
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: image.byteLength },
      annotations: { n: String(i) }
    })
    artifacts.push(await client.putManifest(registry.host, 'app', sha256(bytes), bytes, OCI_MANIFEST))
  }
  return { subject, artifacts }
}

t.test('referrers: the manifests put with a subject, filtered by artifactType by the registry', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const { subject, artifacts } = await withReferrers(registry, client, [SHARD, SBOM])
  const all = await client.getReferrers(registry.host, 'app', subject)
  t.equal(all?.manifests.length, 2)
  t.match(all?.manifests[0], { mediaType: OCI_MANIFEST, digest: artifacts[0], artifactType: SHARD, annotations: { n: '0' } })
  t.equal(registry.requests.at(-1)?.accept, OCI_INDEX)

  const shards = await client.getReferrers(registry.host, 'app', subject, { artifactType: SHARD })
  t.same(shards?.manifests.map(m => m.digest), [artifacts[0]])
  t.equal(new URL(registry.requests.at(-1)?.url ?? '', 'http://x').searchParams.get('artifactType'), SHARD)

  t.same(await client.getReferrers(registry.host, 'app', sha256(new Uint8Array([9]))), { manifests: [] }, 'a subject without referrers')
})

t.test('referrers: a registry that does not say it filtered is filtered here', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const { subject, artifacts } = await withReferrers(registry, client, [SBOM, SHARD, SBOM])
  registry.referrersFilter = false
  const shards = await client.getReferrers(registry.host, 'app', subject, { artifactType: SHARD })
  t.same(shards?.manifests.map(m => m.digest), [artifacts[1]])
})

t.test('referrers: pages linked by Link: rel="next" are all read', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const { subject, artifacts } = await withReferrers(registry, client, [SHARD, SBOM, SHARD])
  registry.referrersPageSize = 1
  const before = registry.requests.length
  t.same((await client.getReferrers(registry.host, 'app', subject))?.manifests.map(m => m.digest), artifacts)
  t.equal(registry.requests.length - before, 3)
  t.same((await client.getReferrers(registry.host, 'app', subject, { artifactType: SHARD }))?.manifests.map(m => m.digest), [artifacts[0], artifacts[2]])
})

t.test('referrers: undefined where the registry has no Referrers API', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const { subject } = await withReferrers(registry, client, [SHARD])
  registry.referrersApi = 'unsupported'
  t.equal(await client.getReferrers(registry.host, 'app', subject), undefined, '404 with an OCI UNSUPPORTED error')
  registry.referrersApi = 'absent'
  t.equal(await client.getReferrers(registry.host, 'app', subject, { artifactType: SHARD }), undefined, 'a plain 404, as Distribution 2.8')
  registry.referrersApi = 'on'
  registry.failNext(1, { status: 405 })
  t.equal(await client.getReferrers(registry.host, 'app', subject), undefined, '405')
  registry.referrersAnswer = { contentType: 'text/html', body: '<html>registry UI</html>' }
  t.equal(await client.getReferrers(registry.host, 'app', subject), undefined, 'a 200 that is not an image index')
})

t.test('referrers: a malformed index is OriginProtocolError; bad arguments are refused before any request', async t => {
  const { registry, client, teardown } = await spawn()
  t.teardown(teardown)
  const subject = sha256(EMPTY)
  for (const manifests of [[{ mediaType: OCI_MANIFEST, size: 2 }], [{ mediaType: OCI_MANIFEST, digest: subject, size: -1 }], [{ mediaType: OCI_MANIFEST, digest: subject, size: 2, annotations: { a: 1 } }], 'none']) {
    registry.referrersAnswer = { contentType: OCI_INDEX, body: JSON.stringify({ schemaVersion: 2, manifests }) }
    const err = await client.getReferrers(registry.host, 'app', subject).catch((e: unknown) => e)
    t.ok(err instanceof OriginProtocolError, JSON.stringify(manifests))
  }
  registry.referrersAnswer = { contentType: OCI_INDEX, body: 'not json' }
  await t.rejects(client.getReferrers(registry.host, 'app', subject), { name: 'OriginProtocolError', message: /referrers of app@sha256:\S+ is not JSON/ })
  registry.referrersAnswer = undefined
  registry.failNext(1, { status: 503 })
  t.same(await client.getReferrers(registry.host, 'app', subject), { manifests: [] }, 'a 503 is retried')

  const n = registry.requests.length
  await t.rejects(client.getReferrers(registry.host, 'app', 'v1'), { name: 'InvalidOriginRequestError', message: /invalid digest/ })
  await t.rejects(client.getReferrers(registry.host, 'app', subject, { artifactType: 'not a type' }), { name: 'InvalidOriginRequestError', message: /invalid artifactType/ })
  t.equal(registry.requests.length, n)
})

t.test('referrers with bearer auth: a pull token', async t => {
  const { registry, client, teardown } = await spawn({ auth: 'bearer' })
  t.teardown(teardown)
  t.same(await client.getReferrers(registry.host, 'app', EMPTY_DIGEST), { manifests: [] })
  t.same(new URL(registry.requests.find(r => r.url.startsWith('/token'))?.url ?? '', 'http://x').searchParams.getAll('scope'), ['repository:app:pull'])
})
