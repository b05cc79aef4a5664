import t, { type Test } from 'tap'
import { MEDIA_TYPE, parseRange, startEmbeddedOrigin, type EmbeddedOrigin } from '../../../sim/origin/index.js'
import { randomStream } from '../../../sim/random.js'
import { collect, get, IMAGES, sha256 } from './helpers.js'

const MiB = 1024 * 1024

async function start (t: Test): Promise<EmbeddedOrigin> {
  const origin = await startEmbeddedOrigin({ images: IMAGES })
  t.teardown(origin.stop)
  return origin
}

interface Manifest { schemaVersion: number, mediaType: string, config: { mediaType: string, digest: string, size: number }, layers: Array<{ mediaType: string, digest: string, size: number }> }

t.test('a client pulls manifests by tag and digest, the config and the layers, and every digest verifies', async t => {
  const origin = await start(t)
  t.match(origin.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(origin.url, `http://${origin.host}`)
  const base = await get(`${origin.url}/v2/`)
  t.equal(base.status, 200)
  t.equal(base.headers.get('docker-distribution-api-version'), 'registry/2.0')

  for (const image of IMAGES) {
    const m = await get(`${origin.url}/v2/${image.name}/manifests/${image.tag}`)
    t.equal(m.status, 200, `${image.name}:${image.tag}`)
    t.equal(m.headers.get('content-type'), MEDIA_TYPE.manifest)
    t.equal(m.headers.get('docker-content-digest'), sha256(m.body), 'Docker-Content-Digest is the manifest digest')
    t.equal(Number(m.headers.get('content-length')), m.body.byteLength)
    const manifest = JSON.parse(m.body.toString()) as Manifest
    t.equal(manifest.schemaVersion, 2)
    t.equal(manifest.mediaType, MEDIA_TYPE.manifest)
    t.equal(manifest.config.mediaType, MEDIA_TYPE.config)
    t.same(manifest.layers.map(l => [l.mediaType, l.size]), image.layers.map(l => [MEDIA_TYPE.layer, l.sizeBytes]))

    const byDigest = await get(`${origin.url}/v2/${image.name}/manifests/${sha256(m.body)}`)
    t.ok(byDigest.body.equals(m.body), 'the same manifest by digest')

    const config = await get(`${origin.url}/v2/${image.name}/blobs/${manifest.config.digest}`)
    t.equal(sha256(config.body), manifest.config.digest, 'config verifies')
    t.equal(config.body.byteLength, manifest.config.size)
    t.same((JSON.parse(config.body.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids, manifest.layers.map(l => l.digest))

    for (const [i, l] of manifest.layers.entries()) {
      const blob = await get(`${origin.url}/v2/${image.name}/blobs/${l.digest}`)
      t.equal(blob.status, 200)
      t.equal(sha256(blob.body), l.digest, `layer ${i} verifies`)
      t.equal(blob.headers.get('docker-content-digest'), l.digest)
      t.equal(blob.headers.get('accept-ranges'), 'bytes')
      t.equal(Number(blob.headers.get('content-length')), l.size)
      t.ok(blob.body.equals(await collect(randomStream(image.layers[i]!.sizeBytes, image.layers[i]!.seed))), 'the bytes are randomStream(size, seed)')
    }
  }
  const served = origin.images.map(i => i.ref)
  t.same(served, ['library/web:v1', 'library/web:v2', 'team/api:latest'])
  t.equal(origin.layerDigests.size, 3, 'three distinct layers')
  t.equal(origin.layerBytes, 4096 + 2.5 * MiB + 3 + 10_000)
  t.equal(new Set(origin.images.map(i => i.layers[0]!.digest)).size, 1, 'the shared layer has one digest in every image')
  t.same((await get(`${origin.url}/v2/library/web/tags/list`)).body.toString(), JSON.stringify({ name: 'library/web', tags: ['v1', 'v2'] }))
})

t.test('ranges: 206 with Content-Range, suffix and open ranges, 416 past the end, whole blob for what it does not handle', async t => {
  const origin = await start(t)
  const big = origin.layerDigests.get('big')!
  const size = 2.5 * MiB + 3
  const whole = await collect(randomStream(size, 2))
  const url = `${origin.url}/v2/library/web/blobs/${big}`
  const cases: Array<[string, number, number]> = [
    ['bytes=0-0', 0, 1],
    ['bytes=100-199', 100, 200],
    [`bytes=${MiB - 10}-${MiB + 9}`, MiB - 10, MiB + 10],
    [`bytes=${2 * MiB}-`, 2 * MiB, size],
    ['bytes=-5', size - 5, size],
    [`bytes=${size - 2}-${size + 1000}`, size - 2, size]
  ]
  for (const [range, start, end] of cases) {
    const r = await get(url, { headers: { range } })
    t.equal(r.status, 206, range)
    t.equal(r.headers.get('content-range'), `bytes ${start}-${end - 1}/${size}`, `${range}: Content-Range`)
    t.equal(Number(r.headers.get('content-length')), end - start)
    t.ok(r.body.equals(whole.subarray(start, end)), `${range}: the bytes`)
    t.equal(r.headers.get('docker-content-digest'), big)
  }
  const past = await get(url, { headers: { range: `bytes=${size}-` } })
  t.equal(past.status, 416)
  t.equal(past.headers.get('content-range'), `bytes */${size}`)
  for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3']) {
    const r = await get(url, { headers: { range } })
    t.equal(r.status, 200, `${range}: ignored`)
    t.equal(r.body.byteLength, size)
  }
  const config = origin.images[0]!.configDigest
  const part = await get(`${origin.url}/v2/library/web/blobs/${config}`, { headers: { range: 'bytes=2-5' } })
  t.equal(part.status, 206, 'configs too')
  t.equal(part.body.byteLength, 4)

  t.same(parseRange(undefined, 10), undefined)
  t.same(parseRange('bytes=-0', 10), 'unsatisfiable')
  t.same(parseRange('bytes=-20', 10), { start: 0, end: 10 })
})

t.test('HEAD: the headers of a GET, no body', async t => {
  const origin = await start(t)
  const digest = origin.layerDigests.get('small')!
  const h = await get(`${origin.url}/v2/library/web/blobs/${digest}`, { method: 'HEAD' })
  t.equal(h.status, 200)
  t.equal(h.headers.get('content-length'), '10000')
  t.equal(h.headers.get('docker-content-digest'), digest)
  t.equal(h.body.byteLength, 0)
  const m = await get(`${origin.url}/v2/team/api/manifests/latest`, { method: 'HEAD' })
  t.equal(m.status, 200)
  t.equal(m.headers.get('docker-content-digest'), origin.images[2]!.manifestDigest)
  t.equal(Number(m.headers.get('content-length')), origin.images[2]!.manifestSizeBytes)
  t.equal((await get(`${origin.url}/v2/`, { method: 'HEAD' })).status, 200)
  const missing = await get(`${origin.url}/v2/nope/manifests/latest`, { method: 'HEAD' })
  t.equal(missing.status, 404)
  t.equal(missing.body.byteLength, 0)
  t.equal(origin.stats.blobBytes, 0, 'a HEAD sends no blob bytes')
})

t.test('errors: 404 with an OCI error body for unknown names, manifests and blobs; 405 for writes', async t => {
  const origin = await start(t)
  const code = async (path: string, init: RequestInit = {}): Promise<[number, string | undefined]> => {
    const r = await get(`${origin.url}${path}`, init)
    const body = r.body.byteLength > 0 ? JSON.parse(r.body.toString()) as { errors: Array<{ code: string }> } : undefined
    return [r.status, body?.errors[0]?.code]
  }
  const small = origin.layerDigests.get('small')!
  t.same(await code('/v2/nope/manifests/latest'), [404, 'NAME_UNKNOWN'])
  t.same(await code('/v2/library/web/manifests/v9'), [404, 'MANIFEST_UNKNOWN'])
  t.same(await code(`/v2/library/web/manifests/sha256:${'0'.repeat(64)}`), [404, 'MANIFEST_UNKNOWN'])
  t.same(await code(`/v2/library/web/blobs/sha256:${'0'.repeat(64)}`), [404, 'BLOB_UNKNOWN'])
  t.same(await code(`/v2/team/api/blobs/${small}`), [404, 'BLOB_UNKNOWN'], 'a blob only under a repository that has it')
  t.same(await code('/v2/library/web/blobs/latest'), [400, 'DIGEST_INVALID'])
  t.same(await code('/v2/library/web/other/thing'), [404, 'NAME_UNKNOWN'])
  t.same(await code('/elsewhere'), [404, 'NAME_UNKNOWN'])
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const r = await get(`${origin.url}/v2/library/web/blobs/uploads/`, { method, body: method === 'DELETE' ? null : 'x' })
    t.equal(r.status, 405, method)
    t.equal(r.headers.get('allow'), 'GET, HEAD')
    t.equal((JSON.parse(r.body.toString()) as { errors: Array<{ code: string }> }).errors[0]!.code, 'UNSUPPORTED')
  }
  t.equal(origin.stats.notFound, 7)
})

t.test('stats count requests and the bytes sent; stop is safe twice and closes the port', async t => {
  const origin = await startEmbeddedOrigin({ images: IMAGES })
  const big = origin.layerDigests.get('big')!
  await get(`${origin.url}/v2/library/web/manifests/v1`)
  await get(`${origin.url}/v2/library/web/blobs/${big}`)
  await get(`${origin.url}/v2/library/web/blobs/${big}`, { headers: { range: 'bytes=0-99' } })
  t.same(origin.stats, { requests: 3, manifestRequests: 1, blobRequests: 2, blobBytes: 2.5 * MiB + 3 + 100, manifestBytes: origin.images[0]!.manifestSizeBytes, notFound: 0 })
  await origin.stop()
  await origin.stop()
  await t.rejects(fetch(`${origin.url}/v2/`), 'nothing listens any more')
})

t.test('a client that goes away mid-layer stops the generation; the origin keeps serving', async t => {
  const images = [{ name: 'huge/one', tag: 'latest', layers: [{ id: 'h', sizeBytes: 64 * MiB, seed: 5 }] }]
  const origin = await startEmbeddedOrigin({ images })
  t.teardown(origin.stop)
  const ac = new AbortController()
  const res = await fetch(`${origin.url}/v2/huge/one/blobs/${origin.layerDigests.get('h')!}`, { signal: ac.signal })
  const reader = res.body!.getReader()
  await reader.read()
  ac.abort()
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(origin.stats.blobBytes < 32 * MiB, `generation stopped early (${(origin.stats.blobBytes / MiB).toFixed(1)} MiB sent of 64)`)
  t.equal((await get(`${origin.url}/v2/huge/one/manifests/latest`)).status, 200)
})

t.test('the digest cache is shared between origins; bad images are refused', async t => {
  const cache = new Map<string, string>()
  const a = await startEmbeddedOrigin({ images: IMAGES, digestCache: cache })
  t.teardown(a.stop)
  t.equal(cache.size, 3)
  const b = await startEmbeddedOrigin({ images: IMAGES, digestCache: cache })
  t.teardown(b.stop)
  t.same(b.images, a.images, 'the same content')
  await t.rejects(startEmbeddedOrigin({ images: [IMAGES[0]!, IMAGES[0]!] }), /given twice/)
  await t.rejects(startEmbeddedOrigin({ images: [{ name: 'x', tag: 'a', layers: [{ id: 'l', sizeBytes: 1, seed: 1 }, { id: 'l', sizeBytes: 2, seed: 1 }] }] }), /two sizes/)
})
