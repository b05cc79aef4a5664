/**
 * The push side and the Referrers API against the real CNCF Distribution
 * registry (2.8 here, which has no Referrers API): what `shoal index push`
 * puts there must be accepted as it is, and found again by the referrers tag.
 */
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { OriginClient, OriginRejectedError, OriginUnauthorizedError } from '../../../src/registry/origin/index.js'
import { startRegistry } from '../../utils/registry.js'
import { requireBinaries } from '../../utils/system.js'
import { sha256 } from './fake-registry.js'
import { OCI_INDEX, OCI_MANIFEST, quietLogger } from './helpers.js'

const SHARD_INDEX = 'application/vnd.shoal.shard-index.v1+json'
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json'
const EMPTY = new TextEncoder().encode('{}')
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

t.test('Distribution: blobs, an artifact manifest with artifactType and subject, and the referrers tag', async t => {
  if (!requireBinaries(t, ['docker-registry'])) return
  const registry = await startRegistry()
  const client = new OriginClient({}, { logger: quietLogger })
  t.teardown(async () => {
    await client.close()
    await registry.destroy()
  })
  const { host } = registry
  const repo = 'team/app'

  // A tiny plain image to be the subject: a config and one (empty tar) layer.
  const config = enc({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(new Uint8Array(1024))] } })
  const layer = gzipSync(new Uint8Array(1024))
  t.equal(await client.putBlob(host, repo, sha256(config), config), true)
  t.equal(await client.putBlob(host, repo, sha256(layer), layer), true)
  const image = enc({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.byteLength }]
  })
  const subject = await client.putManifest(host, repo, 'v1', image, OCI_MANIFEST)
  t.equal(subject, sha256(image))

  // The artifact: the empty config, a small JSON layer of a non-image media type, artifactType and subject.
  t.equal(sha256(EMPTY), EMPTY_DIGEST)
  t.equal(await client.putBlob(host, repo, EMPTY_DIGEST, EMPTY), true, 'the empty config uploaded')
  t.equal(await client.putBlob(host, repo, EMPTY_DIGEST, EMPTY), false, 'and not again')
  const shardIndex = enc({ version: 1, blob: sha256(layer), shards: [{ offset: 0, length: layer.byteLength }] })
  t.equal(await client.putBlob(host, repo, sha256(shardIndex), shardIndex), true)
  const artifact = enc({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SHARD_INDEX,
    config: { mediaType: EMPTY_TYPE, digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: SHARD_INDEX, digest: sha256(shardIndex), size: shardIndex.byteLength }],
    subject: { mediaType: OCI_MANIFEST, digest: subject, size: image.byteLength },
    annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' }
  })
  let artifactDigest: string | undefined
  try {
    artifactDigest = await client.putManifest(host, repo, sha256(artifact), artifact, OCI_MANIFEST)
  } catch (err) {
    t.comment(`Distribution refused the artifact manifest: ${(err as Error).name}: ${(err as Error).message}` +
      (err instanceof OriginRejectedError ? ` (status ${err.status}, code ${err.code ?? 'none'})` : ''))
    throw err
  }
  t.equal(artifactDigest, sha256(artifact), 'accepted with artifactType, subject and a non-image layer type')
  const back = await client.getManifest(host, repo, artifactDigest)
  t.same(back.bytes, Buffer.from(artifact), 'kept byte for byte')
  t.equal(back.mediaType, OCI_MANIFEST)

  // No Referrers API in 2.8: a plain 404.
  t.equal(await client.getReferrers(host, repo, subject), undefined, 'no Referrers API')
  t.equal(await client.getReferrers(host, repo, subject, { artifactType: SHARD_INDEX }), undefined)
  const raw = await fetch(`${registry.url}/v2/${repo}/referrers/${subject}`)
  t.comment(`GET /v2/${repo}/referrers/<digest> on Distribution: ${raw.status} ${raw.headers.get('content-type') ?? ''} ${JSON.stringify((await raw.text()).slice(0, 200))}`)

  // The referrers tag schema: an OCI index under sha256-<hex> of the subject.
  const tag = `sha256-${subject.slice('sha256:'.length)}`
  const index = enc({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: artifactDigest, size: artifact.byteLength, artifactType: SHARD_INDEX, annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' } }]
  })
  t.equal(await client.putManifest(host, repo, tag, index, OCI_INDEX), sha256(index), 'an index under the referrers tag')
  const listed = await client.getManifest(host, repo, tag)
  t.equal(listed.mediaType, OCI_INDEX)
  t.same(listed.bytes, Buffer.from(index))

  // What Distribution refuses, and how it says so.
  const orphan = enc({ ...JSON.parse(Buffer.from(artifact).toString()), layers: [{ mediaType: SHARD_INDEX, digest: sha256(new Uint8Array([7])), size: 1 }] })
  const refused = await client.putManifest(host, repo, 'orphan', orphan, OCI_MANIFEST).catch((e: unknown) => e)
  t.ok(refused instanceof OriginRejectedError)
  t.match(refused, { status: 400, code: 'MANIFEST_BLOB_UNKNOWN' })
  t.comment(`a manifest naming a missing blob: ${(refused as Error).message}`)
})

t.test('Distribution with htpasswd: pushes with the credentials; wrong ones are OriginUnauthorizedError', async t => {
  if (!requireBinaries(t, ['docker-registry'])) return
  const registry = await startRegistry({ htpasswd: { username: 'shoal', password: 's3cret' } })
  const client = new OriginClient({ origins: { [registry.host]: { username: 'shoal', password: 's3cret' } } }, { logger: quietLogger })
  const wrong = new OriginClient({ origins: { [registry.host]: { username: 'shoal', password: 'nope' } } }, { logger: quietLogger })
  t.teardown(async () => {
    await client.close()
    await wrong.close()
    await registry.destroy()
  })
  t.equal(await client.putBlob(registry.host, 'app', EMPTY_DIGEST, EMPTY), true)
  const index = enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] })
  t.equal(await client.putManifest(registry.host, 'app', 'v1', index, OCI_INDEX), sha256(index))
  t.equal(await client.getReferrers(registry.host, 'app', sha256(index)), undefined)
  const err = await wrong.putManifest(registry.host, 'app', 'v2', index, OCI_INDEX).catch((e: unknown) => e)
  t.ok(err instanceof OriginUnauthorizedError)
  t.match(err, { status: 401, credentialsConfigured: true, message: /lack push rights/ })
})
