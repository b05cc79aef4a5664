/**
 * The shard index travels with the image, against a real Distribution 2.8
 * registry (which has no Referrers API: the sha256-<hex> tag schema is used):
 * `shoal index push` and `show`, then daemons pulling the image with
 * containerd trust the artifact's indexes over a peer's.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Cluster } from '../../sim/cluster.js'
import { startContainerd } from '../utils/containerd.js'
import { pushLayout, writeImageLayout, writeIndexLayout } from '../utils/oci-images.js'
import { startRegistry } from '../utils/registry.js'
import { removeDir, requireBinaries, tempDir } from '../utils/system.js'

const BIN = fileURLToPath(new URL('../../bin/shoal.js', import.meta.url))
const BINARIES = ['docker-registry', 'skopeo', 'containerd', 'ctr']
const MiB = 1024 * 1024

async function shoal (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 16 * MiB })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

async function hostsFor (dir: string, origin: string, mirror: string): Promise<string> {
  await mkdir(join(dir, origin), { recursive: true })
  await writeFile(join(dir, origin, 'hosts.toml'), `server = "http://127.0.0.1:9"\n\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`)
  return dir
}

t.test('shoal index push/show against Distribution 2.8, and pulls that trust the artifact', async t => {
  if (!requireBinaries(t, BINARIES)) return
  const dir = await tempDir('referrers')
  t.teardown(() => removeDir(dir))
  const registry = await startRegistry()
  t.teardown(registry.destroy)
  const layout = join(dir, 'layout')
  const app = await writeImageLayout(layout, { tag: 'v1', layers: [{ randomBytes: 3 * MiB, seed: 31 }, { files: { 'etc/hello': 'hi\n' } }] })
  const appDigest = await pushLayout(layout, 'v1', registry.host, 'team/app')
  await writeIndexLayout(layout, 'multi', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }])
  await pushLayout(layout, 'multi', registry.host, 'team/multi', { all: true })

  // A peer pulls the image first, before any artifact exists: it holds the layers under
  // the default chunker's indexes.
  const cluster = new Cluster({ logLevel: 'debug' })
  t.teardown(async () => { await cluster.teardown() })
  const peer = await cluster.spawn('peer')
  const b = await cluster.spawn('b', { bootstrap: [peer.addr] })
  await cluster.connected(1)
  const containerd = await startContainerd()
  t.teardown(containerd.stop)
  const ref = `${registry.host}/team/app:v1`
  let r = await containerd.pull(ref, { hostsDir: await hostsFor(join(dir, 'hosts-peer'), registry.host, peer.mirror) })
  t.equal(r.code, 0, `the peer pulls first: ${r.stderr.slice(-300)}`)
  await containerd.removeImage(ref)

  // The artifact is pushed with another average shard size: its indexes differ from the peer's.
  const pushed = await shoal(['index', 'push', ref, '--avg-shard-size', '256KiB', '--json'])
  t.equal(pushed.code, 0, `index push: ${pushed.stderr}`)
  const result = JSON.parse(pushed.stdout) as Array<{ subject: { digest: string }, artifact: string, via: string, layers: Array<{ blob: string, shards: number }> }>
  t.equal(result[0]?.subject.digest, appDigest)
  t.equal(result[0]?.via, 'tag', 'Distribution 2.8 has no Referrers API: the tag schema')
  t.same(result[0]?.layers.map(l => l.blob).sort(), app.layers.map(l => l.digest).sort())

  const tag = appDigest.replace(':', '-')
  const listed = await fetch(`${registry.url}/v2/team/app/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } })
  t.equal(listed.status, 200, 'the referrers tag is at the registry')
  const index = await listed.json() as { manifests: Array<{ digest: string, artifactType: string }> }
  t.same(index.manifests.map(m => [m.digest, m.artifactType]), [[result[0]?.artifact, 'application/vnd.shoal.shard-index.v1+json']])

  const shown = await shoal(['index', 'show', ref, '--json'])
  t.equal(shown.code, 0, `index show: ${shown.stderr}`)
  const show = JSON.parse(shown.stdout) as Array<{ artifact: string, layers: Array<{ blob: string, shards: number }> }>
  t.equal(show[0]?.artifact, result[0]?.artifact)
  t.ok(show[0]!.layers.find(l => l.blob === app.layers[0]!.digest)!.shards >= 6, '3 MiB at 256 KiB average: many shards')
  const human = await shoal(['index', 'show', ref])
  t.match(human.stdout, /via the referrers tag/)

  const multi = await shoal(['index', 'push', `${registry.host}/team/multi:multi`, '--json'])
  t.equal(multi.code, 0, `index push of an index: ${multi.stderr}`)
  t.same((JSON.parse(multi.stdout) as Array<{ platform: string }>).map(p => p.platform).sort(), ['linux/amd64', 'linux/arm64'], 'one artifact per platform')

  // B pulls: it finds the artifact, uses its indexes, and ignores the peer whose indexes differ.
  r = await containerd.pull(ref, { hostsDir: await hostsFor(join(dir, 'hosts-b'), registry.host, b.mirror) })
  t.equal(r.code, 0, `B pulls: ${r.stderr.slice(-300)}`)
  const blobs = await b.admin.blobs()
  const layer = blobs.find(x => x.digest === app.layers[0]!.digest)
  t.ok(layer?.complete, 'B holds the layer')
  t.equal(layer?.shards, show[0]!.layers.find(l => l.blob === app.layers[0]!.digest)!.shards, 'under the trusted index')
  const usage = await b.admin.usage({ limit: 50 })
  const ev = usage.find(e => e.kind === 'blob' && e.digest === app.layers[0]!.digest)
  t.equal(ev?.bytesBySource.peer, 0, 'no bytes from the peer with another index')
  t.match(await readFile(b.logFile, 'utf8'), /disagrees with the trusted one/, 'B logs why it ignored the peer')
  t.match(await b.admin.metrics(), /shoal_artifact_lookups_total\{result="found"\} [1-9]/, 'metrics count the artifact found')
  const peers = await b.admin.peers()
  t.ok((peers.find(p => p.peerId === peer.status.peerId)?.penalty ?? 0) > 0, 'and penalised it')

  // A malformed artifact: index show fails clearly; a pull goes on the normal way.
  const other = await writeImageLayout(join(dir, 'layout2'), { tag: 'v1', layers: [{ randomBytes: 1 * MiB, seed: 41 }] })
  const otherDigest = await pushLayout(join(dir, 'layout2'), 'v1', registry.host, 'team/other')
  const junk = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.shoal.shard-index.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 }, layers: [], subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: appDigest, size: 1 } }))
  const { createHash } = await import('node:crypto')
  const junkDigest = 'sha256:' + createHash('sha256').update(junk).digest('hex')
  const put = async (path: string, body: Uint8Array, type: string): Promise<number> => (await fetch(`${registry.url}${path}`, { method: 'PUT', body, headers: { 'content-type': type } })).status
  // The registry wants the artifact's config blob in the repository first.
  const upload = await fetch(`${registry.url}/v2/team/other/blobs/uploads/`, { method: 'POST' })
  const location = new URL(upload.headers.get('location') ?? '', registry.url)
  location.searchParams.set('digest', 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a')
  t.equal((await fetch(location, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/octet-stream' } })).status, 201)
  t.equal(await put(`/v2/team/other/manifests/${junkDigest}`, junk, 'application/vnd.oci.image.manifest.v1+json'), 201, 'a junk artifact (wrong subject) is pushed')
  const tagIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: junkDigest, size: junk.byteLength, artifactType: 'application/vnd.shoal.shard-index.v1+json' }] }))
  t.equal(await put(`/v2/team/other/manifests/${otherDigest.replace(':', '-')}`, tagIndex, 'application/vnd.oci.image.index.v1+json'), 201)
  const bad = await shoal(['index', 'show', `${registry.host}/team/other:v1`])
  t.not(bad.code, 0)
  t.match(bad.stderr, /InvalidArtifactError|subject/, `a clear error: ${bad.stderr.trim()}`)
  r = await containerd.pull(`${registry.host}/team/other:v1`, { hostsDir: join(dir, 'hosts-b') })
  t.equal(r.code, 0, 'the pull goes on without the artifact')
  t.ok((await b.admin.blobs()).some(x => x.digest === other.layers[0]!.digest && x.complete))
  t.match(await readFile(b.logFile, 'utf8'), /ignoring a malformed shard index artifact/)
})
