import { pino } from 'pino'
import t from 'tap'
import { OriginClient } from '../../../src/registry/origin/index.js'
import { startEmbeddedOrigin } from '../../../sim/origin/index.js'
import { rolloutWorkload } from '../../../sim/workload/index.js'
import { collect, IMAGES, sha256 } from './helpers.js'

const MiB = 1024 * 1024
const logger = pino({ level: process.env.SHOAL_TEST_LOG ?? 'silent' })

t.test("shoal's OriginClient pulls from the embedded origin over plain HTTP on loopback", async t => {
  const origin = await startEmbeddedOrigin({ images: IMAGES })
  const client = new OriginClient({}, { logger })
  t.teardown(async () => { await client.close(); await origin.stop() })

  for (const image of origin.images) {
    const m = await client.getManifest(origin.host, image.name, image.tag)
    t.equal(m.digest, image.manifestDigest, `${image.ref}: the manifest, verified by the client against Docker-Content-Digest`)
    t.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json')
    t.same(await client.headManifest(origin.host, image.name, image.tag), { digest: image.manifestDigest, mediaType: m.mediaType, sizeBytes: m.bytes.byteLength })
    t.equal((await client.getManifest(origin.host, image.name, image.manifestDigest)).digest, image.manifestDigest, 'by digest')
    const manifest = JSON.parse(Buffer.from(m.bytes).toString()) as { layers: Array<{ digest: string, size: number }> }
    for (const l of manifest.layers) {
      t.same(await client.headBlob(origin.host, image.name, l.digest), { sizeBytes: l.size })
      const blob = await client.getBlob(origin.host, image.name, l.digest)
      t.equal(blob.sizeBytes, l.size)
      t.equal(sha256(await collect(blob.body)), l.digest, 'the layer verifies')
    }
  }
  const big = origin.layerDigests.get('big')!
  const whole = await collect((await client.getBlob(origin.host, 'library/web', big)).body)
  const range = await client.getRange(origin.host, 'library/web', big, MiB - 3, 10)
  t.ok(Buffer.from(range).equals(whole.subarray(MiB - 3, MiB + 7)), 'a range across a chunk boundary')
  await t.rejects(client.getManifest(origin.host, 'library/web', 'v9'), { name: 'OriginNotFoundError', code: 'MANIFEST_UNKNOWN' })
  await t.rejects(client.getBlob(origin.host, 'team/api', big), { name: 'OriginNotFoundError', code: 'BLOB_UNKNOWN' })
})

t.test('a rollout plan served as is: what a workload makes, the client can pull', async t => {
  const plan = rolloutWorkload({ image: { name: 'team/app', layers: [{ sizeBytes: 300_000 }, { sizeBytes: 5000 }] }, hosts: [{ name: 'a', region: 'r' }], windowMs: 0, seed: 3 })
  const origin = await startEmbeddedOrigin({ images: plan.images })
  const client = new OriginClient({}, { logger })
  t.teardown(async () => { await client.close(); await origin.stop() })
  const m = await client.getManifest(origin.host, 'team/app', 'latest')
  const manifest = JSON.parse(Buffer.from(m.bytes).toString()) as { layers: Array<{ digest: string, size: number }> }
  t.same(manifest.layers.map(l => l.size), [300_000, 5000])
  t.same(manifest.layers.map(l => l.digest), plan.images[0]!.layers.map(l => origin.layerDigests.get(l.id)))
  t.equal(origin.stats.manifestRequests, 1)
})
