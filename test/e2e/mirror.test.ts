/**
 * containerd pulls through shoal, end to end, with real parts: a CNCF
 * Distribution registry on loopback as the origin (behind a counting proxy,
 * so origin traffic is measured), images pushed with skopeo, shoal daemons as
 * separate processes, and containerd pulling through their mirrors with
 * `ctr images pull --hosts-dir`. Each hosts.toml names an unreachable server
 * as containerd's fallback, so a pull can only succeed through the mirror.
 */
import t, { type Test } from 'tap'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Cluster, type NodeHandle } from '../../sim/cluster.js'
import { startContainerd, type TestContainerd } from '../utils/containerd.js'
import { startCountingProxy, type CountingProxy } from '../utils/counting-proxy.js'
import { pushLayout, writeImageLayout, writeIndexLayout, type ImageLayout } from '../utils/oci-images.js'
import { startRegistry, type TestRegistry } from '../utils/registry.js'
import { removeDir, requireBinaries, run, tempDir } from '../utils/system.js'
import { SMALL_FROM_ORIGIN_BYTES } from '../../src/registry/constants.js'

const BINARIES = ['docker-registry', 'skopeo', 'containerd', 'ctr']
const MiB = 1024 * 1024

/** hosts.toml sending pulls of `origin` to `mirror`, with a fallback server that refuses connections. */
async function hostsFor (dir: string, origin: string, mirror: string): Promise<string> {
  await mkdir(join(dir, origin), { recursive: true })
  await writeFile(join(dir, origin, 'hosts.toml'), `server = "http://127.0.0.1:9"\n\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`)
  return dir
}

async function pullOk (t: Test, c: TestContainerd, ref: string, hostsDir: string, opts: { platform?: string } = {}): Promise<void> {
  const r = await c.pull(ref, { hostsDir, ...opts })
  t.equal(r.code, 0, `ctr pulled ${ref}${r.code !== 0 ? `: ${r.stderr.slice(-800)}` : ''}`)
}

/** Bytes of blob GETs the origin served to shoal daemons (containerd cannot reach it directly). */
function originBlobBytes (proxy: CountingProxy): number {
  return proxy.blobBytes()
}

t.test('containerd pulls through shoal from a real registry', async t => {
  if (!requireBinaries(t, BINARIES)) return
  const layoutDir = await tempDir('layout')
  t.teardown(() => removeDir(layoutDir))
  const registry: TestRegistry = await startRegistry()
  t.teardown(registry.destroy)
  const proxy = await startCountingProxy(registry.url)
  t.teardown(proxy.stop)
  const origin = proxy.host

  const app: ImageLayout = await writeImageLayout(layoutDir, {
    tag: 'v1',
    layers: [
      { files: { 'etc/os-release': 'ID=shoal-e2e\n' } },
      { randomBytes: 3 * MiB, seed: 11 },
      { randomBytes: 2 * MiB, seed: 12 }
    ]
  })
  const appDigest = await pushLayout(layoutDir, 'v1', registry.host, 'team/app')
  const multi = await writeIndexLayout(layoutDir, 'multi', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' }
  ])
  await pushLayout(layoutDir, 'multi', registry.host, 'team/multi', { all: true })
  const v2s2Digest = await pushLayout(layoutDir, 'v1', registry.host, 'team/docker', { format: 'v2s2' })
  // skopeo turns the OCI index into a Docker manifest list with v2s2 manifests.
  const listDigest = await pushLayout(layoutDir, 'multi', registry.host, 'team/dlist', { all: true, format: 'v2s2' })

  const cluster = new Cluster({ logLevel: 'debug' })
  t.teardown(async () => { await cluster.teardown() })
  const a = await cluster.spawn('a', { args: ['--origin', origin] })
  const b = await cluster.spawn('b', { bootstrap: [a.addr] })
  await cluster.connected(1)
  const containerd = await startContainerd()
  t.teardown(containerd.stop)
  const hostsA = await hostsFor(join(layoutDir, 'hosts-a'), origin, a.mirror)
  const hostsB = await hostsFor(join(layoutDir, 'hosts-b'), origin, b.mirror)

  await t.test('a multi-layer OCI image, a multi-arch index, a Docker v2s2 image and a Docker manifest list through daemon A', async t => {
    await pullOk(t, containerd, `${origin}/team/app:v1`, hostsA)
    await pullOk(t, containerd, `${origin}/team/multi:multi`, hostsA)
    await pullOk(t, containerd, `${origin}/team/multi:multi`, hostsA, { platform: 'linux/arm64' })
    await pullOk(t, containerd, `${origin}/team/docker:v1`, hostsA)
    await pullOk(t, containerd, `${origin}/team/dlist:multi`, hostsA, { platform: 'linux/arm64' })
    const list = await fetch(`${a.mirror}/v2/team/dlist/manifests/multi?ns=${origin}`, { method: 'HEAD' })
    t.equal(list.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.list.v2+json', 'the list keeps its media type')
    t.equal(list.headers.get('docker-content-digest'), listDigest)
    const images = await containerd.images()
    for (const ref of ['team/app:v1', 'team/multi:multi', 'team/docker:v1', 'team/dlist:multi']) t.ok(images.includes(`${origin}/${ref}`), `${ref} is listed`)
    const blobs = await a.admin.blobs()
    for (const l of app.layers) t.ok(blobs.some(x => x.digest === l.digest && x.complete), `A holds layer ${l.digest.slice(7, 19)}`)
    t.ok(blobs.some(x => x.digest === appDigest), 'A holds the manifest')
    t.ok(blobs.some(x => x.digest === v2s2Digest), 'A holds the v2s2 manifest')
    t.ok(blobs.some(x => x.digest === multi.index.digest), 'A holds the index')
    t.ok(proxy.requests.every(r => /shoal/.test(r.headers['user-agent'] ?? '')), 'every origin request came from shoal')
  })

  await t.test('daemon B pulls what A holds: its large layers from A; only blobs of at most SMALL_FROM_ORIGIN_BYTES from the origin', async t => {
    await containerd.removeImage(`${origin}/team/app:v1`)
    await containerd.removeImage(`${origin}/team/docker:v1`)
    proxy.reset()
    await pullOk(t, containerd, `${origin}/team/app:v1`, hostsB)
    const blobs = [app.config, ...app.layers]
    const small = blobs.filter(d => d.size <= SMALL_FROM_ORIGIN_BYTES)
    const large = blobs.filter(d => d.size > SMALL_FROM_ORIGIN_BYTES)
    t.ok(large.length >= 2 && small.length >= 2, 'the image has both kinds')
    t.ok(originBlobBytes(proxy) <= small.reduce((n, d) => n + d.size, 0), `origin blob bytes ${originBlobBytes(proxy)}: the small blobs at most`)
    const fromOrigin = proxy.requests.filter(r => r.path.includes('/blobs/'))
    t.ok(fromOrigin.every(r => small.some(d => r.path.includes(d.digest))), `origin blob requests, all for small blobs: ${fromOrigin.map(r => `${r.method} ${r.path.split('?')[0] ?? ''}`).join(', ')}`)
    const usage = await b.admin.usage({ limit: 50 })
    const layerEvents = usage.filter(e => e.kind === 'blob' && app.layers.some(l => l.digest === e.digest))
    t.equal(layerEvents.length, app.layers.length, 'a usage event per layer')
    const largeEvents = layerEvents.filter(e => large.some(d => d.digest === e.digest))
    t.equal(largeEvents.length, large.length)
    t.ok(largeEvents.every(e => e.bytesBySource.peer + e.bytesBySource.local === e.bytes && e.bytesBySource.origin === 0), 'usage: every byte of the large layers from peers')
    t.ok(layerEvents.every(e => e.repository === 'team/app' && e.origin === origin), 'usage names the origin and repository')
    const metrics = await b.admin.metrics()
    t.match(metrics, /shoal_mirror_served_bytes_total\{source="peer",kind="blob"\} [1-9]/, 'metrics count peer bytes')
    t.match(metrics, /shoal_mirror_pull_duration_seconds_bucket/, 'metrics have the pull duration histogram')
    t.match(metrics, /shoal_usage_top_layer_requests\{rank="1",digest="sha256:[0-9a-f]{64}"\} [1-9]/, 'the most requested layer of the last hour, from the usage roll-ups')
    t.match(metrics, /shoal_usage_events_stored [1-9]/, 'usage events stored')
  })

  await t.test('skopeo copies through the mirror (no ns: the default origin)', async t => {
    const out = join(layoutDir, 'copied')
    const mirrorHost = a.mirror.replace(/^http:\/\//, '')
    const r = await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${mirrorHost}/team/app:v1`, `oci:${out}:v1`])
    t.equal(r.code, 0, `skopeo copy: ${r.stderr.slice(-500)}`)
  })

  await t.test('the origin is down: B pulls by tag and by digest; a new daemon pulls by digest and by tag from the swarm', async t => {
    await registry.stop()
    await containerd.removeImage(`${origin}/team/app:v1`)
    await pullOk(t, containerd, `${origin}/team/app:v1`, hostsB)
    await containerd.removeImage(`${origin}/team/app:v1`)
    await pullOk(t, containerd, `${origin}/team/app@${appDigest}`, hostsB)
    const c = await cluster.spawn('c', { bootstrap: [a.addr] })
    await cluster.connected(1)
    const hostsC = await hostsFor(join(layoutDir, 'hosts-c'), origin, c.mirror)
    await containerd.removeImage(`${origin}/team/app@${appDigest}`)
    await pullOk(t, containerd, `${origin}/team/app@${appDigest}`, hostsC)
    await containerd.removeImage(`${origin}/team/app@${appDigest}`)
    await pullOk(t, containerd, `${origin}/team/app:v1`, hostsC)
    const usage = await c.admin.usage({ limit: 100 })
    t.ok(usage.some(e => e.kind === 'manifest' && e.reference === 'v1' && e.digest === appDigest), 'the new daemon resolved the tag through its peers')
    await registry.start()
  })

  await t.test('bad requests to a real daemon get OCI errors and it keeps serving', async t => {
    for (const [path, status, code] of [
      ['/v2/Bad_Name/manifests/v1', 400, 'NAME_INVALID'],
      ['/v2/team/app/blobs/sha256:1234', 400, 'DIGEST_INVALID'],
      [`/v2/team/app/blobs/sha256:${'0'.repeat(64)}`, 404, 'BLOB_UNKNOWN'],
      ['/v2/team/app/manifests/nope', 404, 'MANIFEST_UNKNOWN']
    ] as const) {
      const res = await fetch(`${a.mirror}${path}?ns=${origin}`)
      t.equal(res.status, status, path)
      t.match(await res.text(), code)
    }
    const res = await fetch(`${a.mirror}/v2/team/app/blobs/${app.layers[1]!.digest}`, { headers: { range: 'bytes=100-199' } })
    t.equal(res.status, 206)
    t.equal((await res.arrayBuffer()).byteLength, 100)
    t.equal((await fetch(`${a.mirror}/v2/`)).status, 200, 'still serving')
  })
})

t.test('a private origin: credentials from the config work; wrong ones give UNAUTHORIZED naming the origin', async t => {
  if (!requireBinaries(t, BINARIES)) return
  const layoutDir = await tempDir('layout')
  t.teardown(() => removeDir(layoutDir))
  const registry = await startRegistry({ htpasswd: { username: 'shoal', password: 's3cret' } })
  t.teardown(registry.destroy)
  await writeImageLayout(layoutDir, { tag: 'v1', layers: [{ randomBytes: 1 * MiB, seed: 21 }] })
  await pushLayout(layoutDir, 'v1', registry.host, 'private/app', { creds: 'shoal:s3cret' })
  const good = join(layoutDir, 'good.json')
  await writeFile(good, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('shoal:s3cret').toString('base64') } } }))
  const bad = join(layoutDir, 'bad.json')
  await writeFile(bad, JSON.stringify({ origins: { [registry.host]: { username: 'shoal', password: 'wrong' } } }))
  const cluster = new Cluster({ logLevel: 'info' })
  t.teardown(async () => { await cluster.teardown() })
  const ok: NodeHandle = await cluster.spawn('good', { args: ['--registry-auth', good] })
  const denied: NodeHandle = await cluster.spawn('bad', { args: ['--config', bad] })
  const containerd = await startContainerd()
  t.teardown(containerd.stop)
  await pullOk(t, containerd, `${registry.host}/private/app:v1`, await hostsFor(join(layoutDir, 'hosts-good'), registry.host, ok.mirror))
  const r = await containerd.pull(`${registry.host}/private/app:v1`, { hostsDir: await hostsFor(join(layoutDir, 'hosts-bad'), registry.host, denied.mirror) })
  t.not(r.code, 0, 'the pull with wrong credentials fails')
  const res = await fetch(`${denied.mirror}/v2/private/app/manifests/v1?ns=${registry.host}`)
  t.equal(res.status, 401)
  const body = await res.json() as { errors: Array<{ code: string, message: string }> }
  t.equal(body.errors[0]?.code, 'UNAUTHORIZED')
  t.match(body.errors[0]?.message, registry.host, 'the error names the origin')
  const { readFile } = await import('node:fs/promises')
  t.match(await readFile(denied.logFile, 'utf8'), registry.host, 'the daemon log names the origin')
})
