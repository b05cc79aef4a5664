import t from 'tap'
import { TestSwarm, fixedIndex, randomBytes } from '../utils/nodes.js'
import { startMirror } from '../utils/mirror.js'
import { MemoryOrigin, makeImage, sha256 } from './memory-origin.js'
import { digestToCid } from '../../src/shard/cid.js'
import { indexCid } from '../../src/shard/index-codec.js'
import {
  BLOB_DIGEST_ANNOTATION, SHARD_INDEX_ARTIFACT_TYPE, buildArtifact, fetchShardIndexes, mergeReferrersIndex, parseArtifact,
  pushShardIndexes, referrersTag
} from '../../src/registry/index.js'
import { chunkBlob } from '../../src/shard/chunk-blob.js'

const MiB = 1 << 20

async function get (url: string): Promise<{ status: number, headers: Headers, bytes: Buffer }> {
  const res = await fetch(url)
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
}

t.test('the artifact: one layer per blob index, annotated; parsed back strictly', async t => {
  const layer = randomBytes(2 * MiB, 1)
  const { index } = await chunkBlob((async function * () { yield layer })())
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('m'), size: 10 }
  const a = buildArtifact(subject, [index])
  const doc = JSON.parse(Buffer.from(a.manifest).toString()) as { artifactType: string, layers: Array<{ digest: string, annotations: Record<string, string> }>, subject: { digest: string }, config: { digest: string } }
  t.equal(doc.artifactType, SHARD_INDEX_ARTIFACT_TYPE)
  t.equal(doc.subject.digest, subject.digest)
  t.equal(doc.config.digest, sha256('{}'), 'the empty config')
  t.equal(doc.layers[0]!.annotations[BLOB_DIGEST_ANNOTATION], index.digest)
  t.equal(doc.layers[0]!.digest, 'sha256:' + Buffer.from(indexCid(index).multihash.digest).toString('hex'), "the layer's digest is the index CID's hash")
  t.equal(parseArtifact(a.manifest, subject.digest).layers.length, 1)
  t.throws(() => parseArtifact(a.manifest, sha256('other')), { name: 'InvalidArtifactError', message: /subject/ })
  const bad = (patch: (d: Record<string, unknown>) => void): Uint8Array => {
    const d = JSON.parse(Buffer.from(a.manifest).toString()) as Record<string, unknown>
    patch(d)
    return Buffer.from(JSON.stringify(d))
  }
  t.throws(() => parseArtifact(bad(d => { d.artifactType = 'x' })), { name: 'InvalidArtifactError', message: /artifactType/ })
  t.throws(() => parseArtifact(bad(d => { delete d.subject })), { name: 'InvalidArtifactError', message: /subject/ })
  t.throws(() => parseArtifact(bad(d => { (d.layers as Array<{ annotations?: unknown }>)[0]!.annotations = {} })), { name: 'InvalidArtifactError', message: /annotation/ })
  t.throws(() => parseArtifact(Buffer.from('nope')), { name: 'InvalidArtifactError', message: /not JSON/ })
  const merged = mergeReferrersIndex(mergeReferrersIndex(undefined, a.descriptor), a.descriptor)
  t.equal((JSON.parse(Buffer.from(merged).toString()) as { manifests: unknown[] }).manifests.length, 1, 'pushing twice lists the artifact once')
  t.equal(referrersTag(subject.digest), subject.digest.replace('sha256:', 'sha256-'))
})

t.test('pushed through the tag schema or the Referrers API, found again', async t => {
  for (const api of [false, true]) {
    const origin = new MemoryOrigin()
    origin.referrersApi = api
    const image = makeImage([randomBytes(MiB, 2), randomBytes(300_000, 3)])
    origin.push('app', 'v1', image)
    const pushed = await pushShardIndexes(origin, 'origin.test', 'app', 'v1')
    t.equal(pushed.length, 1)
    t.equal(pushed[0]!.via, api ? 'api' : 'tag')
    t.equal(origin.tags.has(`app:${referrersTag(image.digest)}`), !api, api ? 'no referrers tag with the API' : 'the referrers tag is there')
    const found = await fetchShardIndexes(origin, 'origin.test', 'app', image.digest)
    t.same([...found!.indexes.keys()].sort(), image.layers.map(l => l.digest).sort())
    t.equal(await fetchShardIndexes(origin, 'origin.test', 'app', sha256('no such image')), undefined)
  }
})

t.test('a daemon pulling an image with an artifact trusts it and ignores a peer whose index differs', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const liar = await swarm.spawn('liar')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const origin = new MemoryOrigin()
  const layer = randomBytes(3 * MiB, 4)
  const image = makeImage([layer])
  origin.push('app', 'v1', image)
  await pushShardIndexes(origin, 'origin.test', 'app', 'v1')
  const trusted = (await fetchShardIndexes(origin, 'origin.test', 'app', image.digest))!.indexes.get(image.layers[0]!.digest)!
  // The peer holds the right bytes under another index (fixed 256 KiB shards).
  const { index, shards } = fixedIndex(layer)
  for (const s of shards) await liar.store.put(s.cid, s.bytes)
  await liar.store.putIndex(index)
  liar.routing.provide(digestToCid(index.digest))
  const m = await startMirror(b, origin, {}, { referrers: origin })
  t.teardown(m.stop)
  t.equal((await get(`${m.url}/v2/app/manifests/v1`)).status, 200)
  const blob = await get(`${m.url}/v2/app/blobs/${image.layers[0]!.digest}`)
  t.equal(sha256(blob.bytes), image.layers[0]!.digest)
  t.equal(indexCid((await b.store.getIndex(image.layers[0]!.digest))!).toString(), indexCid(trusted).toString(), 'the blob is held under the trusted index')
  const ev = m.served.find(e => e.kind === 'blob')!
  t.equal(ev.bytesBySource.peer, 0, 'nothing from the peer with the other index')
  t.ok(b.stats.get(liar.node.peerId.toString()).penalty > 0, 'and that peer is penalised')

  const refs = await get(`${m.url}/v2/app/referrers/${image.digest}?artifactType=${encodeURIComponent(SHARD_INDEX_ARTIFACT_TYPE)}`)
  t.equal(refs.status, 200, 'the mirror answers the Referrers API')
  t.equal(refs.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json')
  t.equal(refs.headers.get('oci-filters-applied'), 'artifactType')
  t.equal((JSON.parse(refs.bytes.toString()) as { manifests: unknown[] }).manifests.length, 1)
  t.equal((await get(`${m.url}/v2/app/manifests/${referrersTag(image.digest)}`)).status, 200, 'and the referrers tag')
})

t.test('a malformed artifact is ignored with a warning and the pull goes on', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const b = await swarm.spawn('b')
  const origin = new MemoryOrigin()
  const image = makeImage([randomBytes(MiB, 5)])
  origin.push('app', 'v1', image)
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.manifest.byteLength }
  const { index } = await chunkBlob((async function * () { yield randomBytes(MiB, 6) })())
  const a = buildArtifact(subject, [index]) // indexes some other blob, annotated as it
  const doc = JSON.parse(Buffer.from(a.manifest).toString()) as { layers: Array<{ annotations: Record<string, string> }> }
  doc.layers[0]!.annotations[BLOB_DIGEST_ANNOTATION] = image.layers[0]!.digest
  const forged = Buffer.from(JSON.stringify(doc))
  for (const [d, bytes] of a.blobs) await origin.putBlob('origin.test', 'app', d, bytes)
  await origin.putManifest('origin.test', 'app', sha256(forged), forged)
  await origin.putManifest('origin.test', 'app', referrersTag(image.digest), mergeReferrersIndex(undefined, { ...a.descriptor, digest: sha256(forged), size: forged.byteLength }))
  await t.rejects(fetchShardIndexes(origin, 'origin.test', 'app', image.digest), { name: 'InvalidArtifactError', message: /annotated as the index of/ })
  const m = await startMirror(b, origin, {}, { referrers: origin })
  t.teardown(m.stop)
  t.equal((await get(`${m.url}/v2/app/manifests/v1`)).status, 200)
  const blob = await get(`${m.url}/v2/app/blobs/${image.layers[0]!.digest}`)
  t.equal(blob.status, 200)
  t.equal(sha256(blob.bytes), image.layers[0]!.digest, 'pulled the normal way')
})
