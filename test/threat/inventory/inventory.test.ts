import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { inventoryLayer, type InventoryLogger } from '../../../src/threat/inventory/index.js'
import { which } from '../../utils/system.js'
import { fixture } from './fixtures.js'
import { caught } from './helpers.js'
import { ALPINE_LAYER, DEBIAN_LAYER } from './layers.js'
import { BLOCK, chunks, gzip, sha256, tar } from './tar-writer.js'
import { withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

test('a Debian layer (gzip): os-release through its symlink, dpkg status and status.d, npm, PyPI, hashes', async t => {
  const layer = tar(DEBIAN_LAYER)
  const inv = await inventoryLayer(chunks(gzip(layer), 1000))
  t.same(inv.os, { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', ecosystem: 'Debian:12', path: 'usr/lib/os-release' })
  t.same(inv.packages, [
    { ecosystem: 'Debian', name: 'tzdata', version: '2020a-0+deb10u1', source: { name: 'tzdata-dev', version: '2020a-0+deb10u1' }, path: 'var/lib/dpkg/status' },
    { ecosystem: 'Debian', name: 'util-linux', version: '2.33.1-0.1', source: { name: 'util-linux', version: '2.33.1-0.1' }, path: 'var/lib/dpkg/status' },
    { ecosystem: 'Debian', name: 'libsqlite3-0', version: '3.34.1-3', source: { name: 'sqlite3', version: '3.34.1-3' }, path: 'var/lib/dpkg/status.d/libsqlite3-0' },
    { ecosystem: 'npm', name: 'cowsay', version: '1.4.0', path: 'usr/lib/node_modules/cowsay/package.json' },
    { ecosystem: 'PyPI', name: 'Pygments', version: '2.6.1', path: 'usr/lib/python3/dist-packages/Pygments-2.6.1.dist-info/METADATA' }
  ])
  const regular = DEBIAN_LAYER.filter(s => s.type === undefined)
  const metadata = fixture('python-dist-info-METADATA.pygments')
  t.same(inv.files, [
    ...regular.map(s => ({ path: s.path.slice(2), sha256: sha256(s.body!), size: Buffer.from(s.body!).length })),
    { path: 'usr/bin/pygmentize', sha256: sha256(metadata), size: metadata.length }
  ], 'every regular file hashed, and the hard link as the file it links to')
  t.same(inv.others, ['etc/os-release'])
  t.same(inv.whiteouts, { files: [], opaqueDirs: [] })
  t.same(inv.stats, { entries: DEBIAN_LAYER.length, bytes: inv.files.reduce((n, f) => n + f.size, 0), skipped: 2 }, 'the two bad dpkg stanzas')
})

test('an Alpine layer: apk db, etc/os-release, devices and symlinks', async t => {
  const inv = await inventoryLayer(chunks(tar(ALPINE_LAYER), 333))
  t.same(inv.os, { id: 'alpine', versionId: '3.15.4', prettyName: 'Alpine Linux v3.15', ecosystem: 'Alpine:v3.15', path: 'etc/os-release' })
  t.same(inv.packages.map(p => [p.ecosystem, p.name, p.version, p.source?.name, p.path]), [
    ['Alpine', 'bash', '5.2.21-r0', 'bash', 'lib/apk/db/installed'],
    ['Alpine', 'busybox-binsh', '1.36.1-r15', 'busybox', 'lib/apk/db/installed'],
    ['Alpine', 'musl', '1.2.4_git20230717-r4', 'musl', 'lib/apk/db/installed'],
    ['Alpine', 'readline', '8.2.1-r2', 'readline', 'lib/apk/db/installed']
  ])
  t.same(inv.others, ['bin/sh', 'dev/null'])
  t.equal(inv.stats.skipped, 0, 'a device is not a skip')

  const base = await inventoryLayer(chunks(tar([{ path: 'lib/apk/db/installed', body: fixture('apk-installed.base') }])))
  t.same(base.packages.map(p => `${p.name} ${p.version}`), ['alpine-baselayout 3.2.0-r6'])
})

test('other dpkg fixtures as var/lib/dpkg/status', async t => {
  const deinstall = await inventoryLayer(chunks(tar([{ path: 'var/lib/dpkg/status', body: fixture('dpkg-status.deinstall') }])))
  t.same(deinstall.packages.map(p => p.name), ['linux-image-6.14.0-1012-aws'], 'deinstall ok config-files is not installed')
  t.equal(deinstall.stats.skipped, 0)
  const claircore = await inventoryLayer(chunks(tar([{ path: 'var/lib/dpkg/status', body: fixture('dpkg-status.claircore-debian-only') }])))
  t.same(claircore.packages.map(p => [p.name, p.version, p.source]), [['debian-archive-keyring', '2019.1', { name: 'debian-archive-keyring', version: '2019.1' }]])
})

test("this machine's dpkg database agrees with dpkg-query", async t => {
  const dpkgQuery = which('dpkg-query')
  let status: Buffer | undefined
  try {
    status = readFileSync('/var/lib/dpkg/status')
  } catch {
    // not a Debian-family machine: skipped below
  }
  if (dpkgQuery === undefined || status === undefined) {
    t.plan(0, 'needs dpkg-query on PATH and /var/lib/dpkg/status (not a Debian-family machine)')
    return
  }
  const osRelease = readFileSync('/etc/os-release')
  const inv = await inventoryLayer(chunks(gzip(tar([
    { path: 'etc/os-release', body: osRelease },
    { path: 'var/lib/dpkg/status', body: status }
  ])), 64 * 1024))
  const out = execFileSync(dpkgQuery, ['-W', '-f', '${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version}\\n'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const installed = out.split('\n').filter(line => line.startsWith('installed ')).map(line => line.split(' ').slice(1))
  t.ok(installed.length > 0, `dpkg-query lists ${installed.length} installed packages`)
  const mine = inv.packages.filter(p => p.ecosystem === 'Debian')
  t.same(mine.map(p => `${p.name} ${p.version}`).sort(), installed.map(([name, version]) => `${name} ${version}`).sort(), 'name and version of every installed package')
  t.same(mine.map(p => `${p.name} ${p.source?.name} ${p.source?.version}`).sort(), installed.map(([name, , source, sourceVersion]) => `${name} ${source} ${sourceVersion}`).sort(), 'and its source package')
  t.equal(inv.os?.id, /^ID=(.*)$/m.exec(osRelease.toString())?.[1]?.replace(/"/g, ''))
})

test('a package file over maxParseBytes is hashed, not parsed, and counted', async t => {
  const status = fixture('dpkg-status.multiple-with-edge-cases')
  const messages: Array<{ obj: object, msg: string }> = []
  const logger: InventoryLogger = { debug: (obj, msg) => { messages.push({ obj, msg }) } }
  const inv = await inventoryLayer(chunks(tar([{ path: 'var/lib/dpkg/status', body: status }])), { limits: { maxParseBytes: 1000 }, logger })
  t.same(inv.packages, [])
  t.same(inv.files, [{ path: 'var/lib/dpkg/status', sha256: sha256(status), size: status.length }])
  t.equal(inv.stats.skipped, 1)
  t.match(messages, [{ obj: { path: 'var/lib/dpkg/status', reason: /over maxParseBytes/ } }])

  // The default limit, with a real 9 MiB file.
  const huge = Buffer.alloc(9 * 1024 * 1024, 'Package: a\nVersion: 1\n\n')
  const big = await inventoryLayer(chunks(tar([{ path: 'var/lib/dpkg/status', body: huge }]), 1024 * 1024))
  t.same(big.packages, [], '9 MiB: not parsed')
  t.same(big.files, [{ path: 'var/lib/dpkg/status', sha256: sha256(huge), size: huge.length }], '9 MiB: hashed')
  t.equal(big.stats.skipped, 1)
})

test('malformed package files are counted, never fatal', async t => {
  const inv = await inventoryLayer(chunks(tar([
    { path: 'var/lib/dpkg/status', body: 'Package: ok\nVersion: 1\n\nnot a stanza at all\n\nPackage: x\n\n\u0000\u0001\u0002' },
    { path: 'lib/apk/db/installed', body: 'P:\nV:\n\nP:fine\nV:1-r0\n\nV:2\n' },
    { path: 'node_modules/broken/package.json', body: '{"name": "broken", ' },
    { path: 'node_modules/noversion/package.json', body: '{"name": "noversion"}' },
    { path: 'node_modules/binary/package.json', body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
    { path: 'x/y.dist-info/METADATA', body: 'Name: nameless-version\n' },
    { path: 'etc/os-release', body: 'NAME=nothing\n' }
  ])))
  t.same(inv.packages.map(p => `${p.ecosystem} ${p.name} ${p.version}`), ['Debian ok 1', 'Alpine fine 1-r0'])
  t.equal(inv.stats.skipped, 3 + 2 + 3 + 1 + 1, 'dpkg 3, apk 2, npm 3, PyPI 1, os-release 1')
  t.equal(inv.os, undefined)
  t.equal(inv.files.length, 7, 'all of them still hashed')
})

test('within a layer a later entry at a path replaces the earlier one', async t => {
  const inv = await inventoryLayer(chunks(tar([
    { path: 'var/lib/dpkg/status', body: fixture('dpkg-status.multiple-with-edge-cases') },
    { path: 'node_modules/cowsay/package.json', body: fixture('node_modules-cowsay-package.json') },
    { path: 'var/lib/dpkg/status', body: fixture('dpkg-status.claircore-debian-only') },
    { path: 'node_modules/cowsay/package.json', type: 'symlink', linkpath: 'elsewhere' },
    { path: 'usr/lib/os-release', body: fixture('os-release.alpine') },
    { path: 'etc/os-release', body: fixture('os-release.debian') }
  ])))
  t.same(inv.packages.map(p => p.name), ['debian-archive-keyring'])
  t.same(inv.files.map(f => f.path), ['var/lib/dpkg/status', 'usr/lib/os-release', 'etc/os-release'])
  t.same(inv.others, ['node_modules/cowsay/package.json'])
  t.equal(inv.os?.id, 'debian', 'etc/os-release wins over usr/lib/os-release')
  t.equal(inv.stats.bytes, inv.files.reduce((n, f) => n + f.size, 0), 'bytes count what is there, not what was replaced')
})

test('whiteouts are noted, not listed as files; AUFS metadata is ignored', async t => {
  const inv = await inventoryLayer(chunks(tar([
    { path: 'etc/.wh.profile' },
    { path: 'a/.wh..wh..opq' },
    { path: '.wh..wh..opq' },
    { path: '.wh..wh.plnk/123.456', body: 'x' },
    { path: 'b/not.a.wh..wh..opq' },
    { path: 'c/.wh.dir', type: 'dir' }
  ])))
  t.same(inv.whiteouts, { files: ['etc/profile', 'c/dir'], opaqueDirs: ['a', ''] })
  t.same(inv.files.map(f => f.path), ['b/not.a.wh..wh..opq'])
})

test('bad layers fail with typed errors, never a crash or a hang', async t => {
  const good = tar(DEBIAN_LAYER)
  const gz = gzip(good)
  const cases: Array<[string, AsyncIterable<Uint8Array>, string, object?]> = [
    ['truncated gzip', chunks(gz.subarray(0, gz.length >> 1)), 'DecompressionError'],
    ['truncated tar', chunks(good.subarray(0, 5 * BLOCK + 100)), 'TarFormatError'],
    ['truncated tar, gzipped', chunks(gzip(good.subarray(0, 5 * BLOCK + 100))), 'TarFormatError'],
    ['bad checksum', chunks(Buffer.concat([good.subarray(0, BLOCK), Buffer.from('x'), good.subarray(BLOCK + 1)])), 'TarFormatError'],
    ['too many entries', chunks(good), 'InventoryLimitError', { maxEntries: 5 }],
    ['a path over the limit', chunks(tar([{ path: 'a/'.repeat(3000) + 'b' }])), 'InventoryLimitError'],
    ['too many packages', chunks(good), 'InventoryLimitError', { maxPackages: 2 }],
    ['zstd that needs a dictionary', chunks(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4])), 'DecompressionError'],
    ['xz', chunks(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2])), 'UnsupportedCompressionError'],
    ['an unknown limit', chunks(good), 'InvalidInventoryOptionError', { maxFiles: 1 }]
  ]
  for (const [what, source, name, limits] of cases) {
    const err = await caught(inventoryLayer(source, limits === undefined ? {} : { limits }))
    t.equal(err.name, name, `${what}: ${err.message}`)
  }
  const typo = await caught(inventoryLayer(chunks(good), { limit: { maxEntries: 1 } } as never))
  t.match(typo, { name: 'InvalidInventoryOptionError', message: /unknown inventoryLayer option "limit"/ })
  const err = await caught(inventoryLayer(chunks(tar([{ path: 'a/'.repeat(3000) + 'b' }]))))
  t.match(err, { limit: 'maxPathBytes', max: 4096 })
})

test('a sparse or unknown entry type is skipped and counted; a hard link out of the layer too', async t => {
  const inv = await inventoryLayer(chunks(tar([
    { path: 'sparse', type: 'S', body: 'map' },
    { path: 'weird', type: 'Z', body: 'zz' },
    { path: 'paxsparse', body: 'map', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' } },
    { path: 'link-down', type: 'hardlink', linkpath: 'in/a/lower/layer' },
    { path: 'after', body: 'ok' }
  ])))
  t.same(inv.files.map(f => f.path), ['after'])
  t.same(inv.others, ['sparse', 'weird', 'paxsparse', 'link-down'])
  t.equal(inv.stats.skipped, 4)
})
