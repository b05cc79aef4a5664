/**
 * Self-test of the end-to-end harness, without shoal: layouts written by
 * oci-images.ts are valid to skopeo, Distribution and containerd; ctr pulls
 * them straight from the registry and through a mirror named in hosts.toml
 * (the counting proxy standing in for shoal); the htpasswd registry
 * authenticates; the registry restarts on its port and storage.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { startContainerd, writeHostsToml } from '../utils/containerd.js'
import { startCountingProxy } from '../utils/counting-proxy.js'
import { MEDIA_TYPE, pushLayout, writeImageLayout, writeIndexLayout, type ImageLayout, type LayerSpec } from '../utils/oci-images.js'
import { startRegistry } from '../utils/registry.js'
import { removeDir, requireBinaries, tempDir, which } from '../utils/system.js'

const BINARIES = ['docker-registry', 'skopeo', 'containerd', 'ctr']
const KiB = 1024

const THREE_LAYERS: LayerSpec[] = [
  { files: { 'etc/os-release': 'ID=shoal-test\n', 'usr/share/shoal/a/b/c.txt': 'nested\n' } },
  { randomBytes: 256 * KiB, seed: 7 },
  { files: { 'hello.txt': 'hello\n', [`${'d'.repeat(90)}/${'f'.repeat(60)}.txt`]: 'long path: ustar prefix\n' } }
]

function sha256 (bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex')
}

/** Digests a pull of `image` fetches from /blobs/: its config and layers. */
function blobDigests (image: ImageLayout): string[] {
  return [image.config.digest, ...image.layers.map(l => l.digest)].sort()
}

t.test('requireBinaries and which', async t => {
  t.ok(which('sh'), 'finds sh on PATH')
  t.equal(which('shoal-no-such-binary'), undefined)
  // A stand-in for the test object, so this check adds no skip of its own to the run.
  const planned: Array<[number, string | undefined]> = []
  const fake = { plan: (n: number, why?: string) => { planned.push([n, why]) } } as unknown as Parameters<typeof requireBinaries>[0]
  t.equal(requireBinaries(fake, ['sh', 'shoal-no-such-binary']), false)
  t.same(planned, [[0, 'needs system binary not found on PATH: shoal-no-such-binary']], 'the test is planned empty, naming the binary')
  t.equal(requireBinaries(fake, ['sh']), true)
  t.equal(planned.length, 1)
})

t.test('the counting proxy streams: the client sees the first bytes before the upstream ends', async t => {
  let release!: () => void
  const released = new Promise<void>(resolve => { release = resolve })
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.write(Buffer.alloc(1000, 1))
    void released.then(() => { res.end(Buffer.alloc(24, 2)) })
  })
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
  const proxy = await startCountingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)
  t.teardown(proxy.stop)

  const res = await fetch(`${proxy.url}/v2/r/blobs/sha256:00?x=1`)
  const reader = res.body!.getReader()
  const first = await reader.read()
  t.equal(first.value?.byteLength, 1000, 'first chunk arrived while the upstream still holds the rest')
  t.equal(proxy.requests[0]?.done, false)
  release()
  let total = first.value?.byteLength ?? 0
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.byteLength
  t.equal(total, 1024)
  t.match(proxy.requests, [{ method: 'GET', path: '/v2/r/blobs/sha256:00?x=1', status: 200, bytes: 1024, done: true }])
  t.equal(proxy.blobBytes(), 1024)
  proxy.reset()
  t.equal(proxy.requests.length, 0)
})

t.test('harness: registry, skopeo, containerd', async t => {
  if (!requireBinaries(t, BINARIES)) return

  const layoutDir = await tempDir('layout')
  t.teardown(() => removeDir(layoutDir))
  const registry = await startRegistry()
  t.teardown(registry.destroy)
  const containerd = await startContainerd()
  t.teardown(containerd.stop)
  const proxy = await startCountingProxy(registry.url)
  t.teardown(proxy.stop)
  const mirrorHosts = await tempDir('hosts')
  t.teardown(() => removeDir(mirrorHosts))
  await writeHostsToml(containerd.hostsDir, registry.host)
  await writeHostsToml(mirrorHosts, registry.host, proxy.url)

  const image = await writeImageLayout(layoutDir, { tag: 'v1', layers: THREE_LAYERS })
  const index = await writeIndexLayout(layoutDir, 'multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' }
  ])
  const [amd64, arm64] = index.manifests as [ImageLayout, ImageLayout]
  const ref = (repo: string, tag: string): string => `${registry.host}/${repo}:${tag}`

  await t.test('layouts are deterministic, with real gzip tars and matching diff_ids', async t => {
    const again = await tempDir('layout-again')
    t.teardown(() => removeDir(again))
    const copy = await writeImageLayout(again, { tag: 'v1', layers: THREE_LAYERS })
    t.same(copy, image, 'same specs, same digests')
    t.equal(image.layers.length, 3)
    t.ok(image.layers[1]!.uncompressedSize > 256 * KiB)
    t.not(amd64.layers[0]!.digest, arm64.layers[0]!.digest, 'each platform has its own layer')
  })

  await t.test('skopeo pushes the OCI image, its v2s2 conversion and the index', async t => {
    t.equal(await pushLayout(layoutDir, 'v1', registry.host, 'shoal/three'), image.manifest.digest, 'OCI manifest pushed unchanged')
    const v2s2 = await pushLayout(layoutDir, 'v1', registry.host, 'shoal/three-v2s2', { format: 'v2s2' })
    t.not(v2s2, image.manifest.digest, 'conversion gives a new manifest digest')
    t.equal(await pushLayout(layoutDir, 'multi', registry.host, 'shoal/multi', { all: true }), index.index.digest)

    const res = await fetch(`${registry.url}/v2/shoal/three-v2s2/manifests/v1`, { headers: { accept: MEDIA_TYPE.dockerManifest } })
    t.equal(res.headers.get('content-type'), MEDIA_TYPE.dockerManifest)
    t.equal(res.headers.get('docker-content-digest'), v2s2)
    const manifest = await res.json() as { layers: Array<{ digest: string }> }
    t.same(manifest.layers.map(l => l.digest), image.layers.map(l => l.digest), 'v2s2 keeps the layer blobs')

    for (const layer of image.layers) {
      const blob = new Uint8Array(await (await fetch(`${registry.url}/v2/shoal/three/blobs/${layer.digest}`)).arrayBuffer())
      t.equal(sha256(blob), layer.digest)
      t.equal(blob.byteLength, layer.size)
      t.equal(sha256(gunzipSync(blob)), layer.diffId, 'diff_id is the sha256 of the uncompressed tar')
    }
  })

  await t.test('ctr pulls straight from the registry (hosts.toml names only the origin)', async t => {
    const r = await containerd.pull(ref('shoal/three', 'v1'))
    t.equal(r.code, 0, 'pull succeeds', { stderr: r.stderr })
    t.ok((await containerd.images()).includes(ref('shoal/three', 'v1')), 'image is listed')
    const content = await containerd.contentDigests()
    for (const d of [image.manifest.digest, ...blobDigests(image)]) t.ok(content.includes(d), `content store has ${d}`)

    // containerd fetches no blob it already holds, whatever the image: clear it before the next pull
    await containerd.removeImage(ref('shoal/three', 'v1'))
    t.same(await containerd.contentDigests(), [], 'content collected once the image is removed')
  })

  await t.test('ctr pulls through the mirror named in hosts.toml, with ?ns= on every request', async t => {
    proxy.reset()
    const r = await containerd.pull(ref('shoal/three-v2s2', 'v1'), { hostsDir: mirrorHosts })
    t.equal(r.code, 0, 'pull succeeds', { stderr: r.stderr })
    t.ok((await containerd.images()).includes(ref('shoal/three-v2s2', 'v1')))
    for (const req of proxy.requests) t.comment(`mirror saw: ${req.method} ${req.path} -> ${req.status} (${req.bytes} B)`)

    const ns = `?ns=${encodeURIComponent(registry.host)}`
    t.ok(proxy.requests.length > 0 && proxy.requests.every(q => q.path.endsWith(ns)), `every request ends with ${ns}`)
    t.match(proxy.requests[0], { method: 'HEAD', path: `/v2/shoal/three-v2s2/manifests/v1${ns}`, status: 200 })
    const blobGets = proxy.requests.filter(q => q.method === 'GET' && q.path.includes('/blobs/'))
    t.same(blobGets.map(q => q.path.slice('/v2/shoal/three-v2s2/blobs/'.length, -ns.length)).sort(), blobDigests(image), 'each blob fetched once, via the mirror')
    t.equal(proxy.blobBytes(), image.blobBytes, 'every blob byte crossed the mirror')
    t.ok(proxy.requests.every(q => q.status === 200 && q.done))

    await containerd.removeImage(ref('shoal/three-v2s2', 'v1'))
    t.notOk((await containerd.images()).includes(ref('shoal/three-v2s2', 'v1')), 'image removed')
  })

  await t.test('multi-arch index: ctr fetches only the platform asked for', async t => {
    proxy.reset()
    const r = await containerd.pull(ref('shoal/multi', 'multi'), { hostsDir: mirrorHosts, platform: 'linux/arm64' })
    t.equal(r.code, 0, 'pull succeeds', { stderr: r.stderr })
    t.ok((await containerd.images()).includes(ref('shoal/multi', 'multi')))
    const paths = proxy.requests.map(q => q.path).join('\n')
    t.ok(paths.includes(`/manifests/${index.index.digest}`), 'fetched the index')
    t.ok(paths.includes(`/manifests/${arm64.manifest.digest}`), 'fetched the arm64 manifest')
    t.notOk(paths.includes(amd64.manifest.digest), 'not the amd64 manifest')
    t.equal(proxy.blobBytes(), arm64.blobBytes)
    await containerd.removeImage(ref('shoal/multi', 'multi'))

    proxy.reset()
    const all = await containerd.pull(ref('shoal/multi', 'multi'), { hostsDir: mirrorHosts, allPlatforms: true })
    t.equal(all.code, 0, 'pull --all-platforms succeeds', { stderr: all.stderr })
    t.equal(proxy.blobBytes(), amd64.blobBytes + arm64.blobBytes, 'both platforms fetched')
  })

  await t.test('removing every image lets containerd collect the content', async t => {
    for (const name of await containerd.images()) await containerd.removeImage(name)
    t.same(await containerd.images(), [])
    t.same(await containerd.contentDigests(), [])
  })

  await t.test('the registry restarts on the same port and storage', async t => {
    await registry.stop()
    await t.rejects(fetch(`${registry.url}/v2/`), 'down while stopped')
    await registry.start()
    const res = await fetch(`${registry.url}/v2/shoal/three/manifests/v1`, { method: 'HEAD', headers: { accept: MEDIA_TYPE.manifest } })
    t.equal(res.status, 200)
    t.equal(res.headers.get('docker-content-digest'), image.manifest.digest, 'content survived the restart')
  })

  await t.test('a registry with htpasswd wants the credentials', async t => {
    const auth = await startRegistry({ htpasswd: { username: 'shoal', password: 's3cret' } })
    t.teardown(auth.destroy)
    const anon = await fetch(`${auth.url}/v2/`)
    t.equal(anon.status, 401, 'anonymous GET /v2/ is refused')
    t.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="shoal-test"/)
    t.equal((await fetch(`${auth.url}/v2/`, { headers: { authorization: auth.authorization! } })).status, 200, 'credentials accepted')
    const wrong = 'Basic ' + Buffer.from('shoal:wrong').toString('base64')
    t.equal((await fetch(`${auth.url}/v2/`, { headers: { authorization: wrong } })).status, 401, 'wrong password refused')

    await t.rejects(pushLayout(layoutDir, 'v1', auth.host, 'private/img'), 'anonymous push refused')
    t.equal(await pushLayout(layoutDir, 'v1', auth.host, 'private/img', { creds: 'shoal:s3cret' }), image.manifest.digest)
    await writeHostsToml(containerd.hostsDir, auth.host)
    const anonPull = await containerd.pull(`${auth.host}/private/img:v1`)
    t.not(anonPull.code, 0, 'anonymous pull fails')
    const pull = await containerd.pull(`${auth.host}/private/img:v1`, { user: 'shoal:s3cret' })
    t.equal(pull.code, 0, 'pull with --user succeeds', { stderr: pull.stderr })
    await containerd.removeImage(`${auth.host}/private/img:v1`)
  })
})
