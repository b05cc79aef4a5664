import t from 'tap'
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryThreatLookup } from '../../../src/threat/lookup.js'
import { resolveTarget, scanImage, scanLayer, ScanCache, ANALYZER_VERSION } from '../../../src/threat/scan/index.js'
import { gzip, tar } from '../inventory/tar-writer.js'
import { DPKG_STATUS, EICAR_SHA256, OPENSSL_RECORD, OS_RELEASE, ZLIB_FIXED_RECORD, chunks, debianLayer, digestOf, eicarLayer } from './fixtures.js'

const lookup = new MemoryThreatLookup({
  records: [OPENSSL_RECORD, ZLIB_FIXED_RECORD],
  kev: ['CVE-2023-5678'],
  malware: [{ sha256: EICAR_SHA256, signature: 'EICAR-Test-File' }]
})

t.test('a Debian layer: packages matched by source and release; the fixed one not reported', async t => {
  const { scan, inventory } = await scanLayer(chunks(debianLayer()), lookup, { digest: 'sha256:' + 'a'.repeat(64) })
  t.equal(scan.os?.ecosystem, 'Debian:12')
  t.equal(scan.packages, 2, 'the deinstalled package is not counted')
  t.same(scan.findings.map(f => [f.package, f.version, f.vulnerability, f.fixed, f.kev]), [['openssl', '3.0.9-1', 'DEBIAN-CVE-2023-5678', '3.0.11-1~deb12u2', true]])
  t.same(scan.malware, [])
  t.ok(scan.score > 0.9, `a critical KEV finding scores high (${scan.score})`)
  t.equal(scan.analyzer, ANALYZER_VERSION)
  t.equal(inventory.packages.length, 2)
})

t.test('a file on a malware list scores 1 and is named', async t => {
  const { scan } = await scanLayer(chunks(eicarLayer()), lookup)
  t.equal(scan.score, 1)
  t.same(scan.malware, [{ path: 'tmp/eicar.com', sha256: EICAR_SHA256, signature: 'EICAR-Test-File' }])
})

t.test('a JSON blob is not a layer; a truncated layer keeps what was read and names the error', async t => {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }))
  const { scan } = await scanLayer(chunks(config), lookup)
  t.match(scan.notALayer, /JSON/)
  t.equal(scan.score, 0)
  const whole = debianLayer()
  const cut = await scanLayer(chunks(whole.subarray(0, whole.length - 40)), lookup)
  t.match(cut.scan.error, /DecompressionError/, 'the error is named, not thrown')
  const bomb = await scanLayer(chunks(gzip(tar(Array.from({ length: 50 }, (_, i) => ({ path: `f${i}`, body: 'x' }))))), lookup, { limits: { maxEntries: 10 } })
  t.match(bomb.scan.error, /InventoryLimitError/)
})

t.test('an image: whiteouts hide what upper layers delete; each layer reported on its own', async t => {
  const lower = debianLayer([{ path: 'tmp/eicar.com', body: 'placeholder' }])
  const upper = gzip(tar([{ path: 'var/lib/dpkg/.wh.status', body: '' }]))
  const layers = [lower, upper].map(b => ({ digest: digestOf(b), open: () => chunks(b) }))
  const cache = new ScanCache()
  const result = await scanImage('test-image', layers, lookup, { cache })
  t.equal(result.layers.length, 2)
  t.equal(result.layers[0]!.findings.length, 1, 'the lower layer alone has the finding')
  t.same(result.image.findings, [], 'the image does not: its dpkg database was deleted above')
  t.ok(await cache.getInventory(layers[0]!.digest), 'inventories are cached by digest')
  t.equal((await cache.getScan(layers[0]!.digest))?.findings.length, 1, 'and so is each layer scan')
})

t.test('targets: a layer file, an OCI layout (index -> manifest), errors that say what is wrong', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-scan-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const layerFile = join(dir, 'layer.tar.gz')
  await writeFile(layerFile, debianLayer())
  const single = await resolveTarget(layerFile)
  t.equal(single.kind, 'layer')
  const scanned = await scanImage(layerFile, single.layers, lookup)
  t.equal(scanned.image.findings.length, 1)

  const layout = join(dir, 'layout')
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true })
  const put = async (bytes: Uint8Array): Promise<string> => {
    const d = digestOf(bytes)
    await writeFile(join(layout, 'blobs', 'sha256', d.slice(7)), bytes)
    return d
  }
  const layers = [debianLayer(), eicarLayer()]
  const layerDigests = await Promise.all(layers.map(put))
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: layerDigests.map((d, i) => ({ digest: d, size: layers[i]!.length })) }))
  const md = await put(manifest)
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: md, size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } }] }))
  const resolved = await resolveTarget(layout)
  t.equal(resolved.kind, 'oci-layout')
  t.equal(resolved.digest, md)
  const image = await scanImage(layout, resolved.layers, lookup)
  t.equal(image.layers[1]!.score, 1)
  t.equal(image.image.score, 1)
  t.equal(image.image.malware[0]?.path, 'tmp/eicar.com')

  await t.rejects(resolveTarget(layout, { platform: 'linux/arm64' }), { name: 'ScanTargetError', message: /no linux\/arm64 image \(it has linux\/amd64\)/ })
  await t.rejects(resolveTarget(join(dir, 'nope')), { name: 'ScanTargetError', message: /neither a file/ })
  await t.rejects(resolveTarget(dir), { name: 'ScanTargetError', message: /index.json is missing/ })
  t.ok(DPKG_STATUS.length > 0 && OS_RELEASE.length > 0)
})

t.test('an image reference resolves through the registry it is given', async t => {
  const layer = debianLayer()
  const ld = digestOf(layer)
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [{ digest: ld, size: layer.length }] }))
  const asked: string[] = []
  const registry = {
    getManifest: async (host: string, repo: string, ref: string) => { asked.push(`${host}/${repo}:${ref}`); return { bytes: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest) } },
    getBlob: async (_h: string, _r: string, digest: string) => { asked.push(digest); return { body: chunks(layer) } }
  }
  const resolved = await resolveTarget('debian:12', { registry })
  t.equal(resolved.kind, 'image')
  const image = await scanImage('debian:12', resolved.layers, lookup)
  t.same(asked, ['docker.io/library/debian:12', ld])
  t.equal(image.image.findings[0]?.vulnerability, 'DEBIAN-CVE-2023-5678')
})
