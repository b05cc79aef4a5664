import t from 'tap'
import { applyWhiteouts, inventoryLayer, type ImageInventory, type LayerInventory } from '../../../src/threat/inventory/index.js'
import { fixture } from './fixtures.js'
import { ALPINE_LAYER, DEBIAN_LAYER } from './layers.js'
import { chunks, tar, type TarSpec } from './tar-writer.js'
import { withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

async function layer (specs: TarSpec[]): Promise<LayerInventory> {
  return await inventoryLayer(chunks(tar(specs)))
}

async function fixtureLayer (name: string): Promise<LayerInventory> {
  return await inventoryLayer(chunks(fixture(name), 300))
}

const files = (image: ImageInventory): string[] => image.files.map(f => `${f.layer}:${f.path}`)
const packages = (image: ImageInventory): string[] => image.packages.map(p => `${p.layer}:${p.name}`)

test('whiteout.layer.tar (etc/.wh.profile) deletes etc/profile of an Alpine base, nothing else', async t => {
  const image = applyWhiteouts([await layer(ALPINE_LAYER), await fixtureLayer('whiteout.layer.tar')])
  t.same(files(image), ['0:etc/os-release', '0:lib/apk/db/installed'])
  t.same(packages(image), ['0:bash', '0:busybox-binsh', '0:musl', '0:readline'])
  t.match(image.os, { id: 'alpine', ecosystem: 'Alpine:v3.15', layer: 0 })
  t.same(image.hidden, { files: 1, packages: 0 })
})

test('whiteout_advanced.layer.tar: a file in a directory, a file at the root, a whole directory', async t => {
  const base = await layer([
    { path: 'a/a_file.txt', body: '1' },
    { path: 'a/kept.txt', body: '2' },
    { path: 'a_root_file.txt', body: '3' },
    { path: 'a_root_file.txt.bak', body: '4' },
    { path: 'b/x', body: '5' },
    { path: 'b/node_modules/cowsay/package.json', body: fixture('node_modules-cowsay-package.json') },
    { path: 'bb/y', body: '6' },
    { path: 'b.txt', body: '7' }
  ])
  const image = applyWhiteouts([base, await fixtureLayer('whiteout_advanced.layer.tar')])
  t.same(files(image), ['0:a/kept.txt', '0:a_root_file.txt.bak', '0:bb/y', '0:b.txt'], 'siblings with a shared name prefix stay')
  t.same(image.packages, [], 'the npm package under b/ went with it')
  t.same(image.hidden, { files: 4, packages: 1 })
})

test('whiteout_opaque.layer.tar: a/ is emptied of lower content; b/not.a.wh..wh..opq is an ordinary file', async t => {
  const base = await layer([
    { path: 'a/x', body: '1' },
    { path: 'a/deep/y', body: '2' },
    { path: 'a/node_modules/cowsay/package.json', body: fixture('node_modules-cowsay-package.json') },
    { path: 'ab/z', body: '3' },
    { path: 'b/z', body: '4' }
  ])
  const opaque = await fixtureLayer('whiteout_opaque.layer.tar')
  t.same(opaque.whiteouts, { files: [], opaqueDirs: ['a'] })
  const image = applyWhiteouts([base, opaque])
  t.same(files(image), ['0:ab/z', '0:b/z', '1:b/not.a.wh..wh..opq'])
  t.same(image.packages, [])
})

test('an upper dpkg status replaces the lower one wholesale; a deleted one takes its packages; a symlink over it too', async t => {
  const base = await layer(DEBIAN_LAYER)
  const upgraded = await layer([{ path: 'var/lib/dpkg/status', body: fixture('dpkg-status.claircore-debian-only') }])
  let image = applyWhiteouts([base, upgraded])
  t.same(image.packages.map(p => `${p.layer}:${p.ecosystem}:${p.name}`), [
    '0:Debian:libsqlite3-0', '0:npm:cowsay', '0:PyPI:Pygments', '1:Debian:debian-archive-keyring'
  ])
  t.match(image.os, { ecosystem: 'Debian:12', path: 'usr/lib/os-release', layer: 0 })

  image = applyWhiteouts([base, await layer([{ path: 'var/lib/dpkg/.wh.status' }, { path: 'var/lib/dpkg/status.d/.wh..wh..opq' }])])
  t.same(image.packages.map(p => p.name), ['cowsay', 'Pygments'])

  image = applyWhiteouts([base, await layer([{ path: 'var/lib/dpkg/status', type: 'symlink', linkpath: '/dev/null' }])])
  t.same(image.packages.map(p => p.name), ['libsqlite3-0', 'cowsay', 'Pygments'])

  image = applyWhiteouts([base, await layer([{ path: 'usr/lib/python3', body: 'a file where a directory was' }])])
  t.same(image.packages.map(p => p.name), ['tzdata', 'util-linux', 'libsqlite3-0', 'cowsay'], 'a file over a directory hides what was under it')
})

test('three layers: deleted then re-added, added then deleted, and a layer never hides its own files', async t => {
  const image = applyWhiteouts([
    await layer([{ path: 'x', body: '0' }, { path: 'y', body: '0' }, { path: 'keep', body: '0' }]),
    await layer([{ path: '.wh.x' }, { path: 'y', body: '1' }, { path: 'z', body: '1' }, { path: 'w', body: '1' }, { path: '.wh.w' }]),
    await layer([{ path: 'x', body: '2' }, { path: '.wh.z' }])
  ])
  t.same(files(image), ['0:keep', '1:y', '1:w', '2:x'])
  t.same(image.hidden, { files: 3, packages: 0 }, '0:x, 0:y, 1:z')
})

test('os-release: the topmost visible one, through deletions', async t => {
  const debian = await layer([{ path: 'etc/os-release', body: fixture('os-release.debian') }])
  const alpine = await layer([{ path: 'etc/os-release', body: fixture('os-release.alpine') }])
  t.match(applyWhiteouts([debian, alpine]).os, { id: 'alpine', layer: 1 })
  t.match(applyWhiteouts([alpine, debian]).os, { id: 'debian', layer: 1 })
  t.equal(applyWhiteouts([debian, await layer([{ path: 'etc/.wh.os-release' }])]).os, undefined)
  t.equal(applyWhiteouts([debian, await layer([{ path: 'etc/os-release', body: 'NAME=unknown\n' }])]).os, undefined, 'replaced by one without an ID')
  t.match(applyWhiteouts([debian, await layer([{ path: 'srv/app', body: 'x' }])]).os, { id: 'debian', layer: 0 })
})

test('a root opaque marker hides every lower layer; no layers is an empty image', async t => {
  const image = applyWhiteouts([await layer(DEBIAN_LAYER), await layer([{ path: '.wh..wh..opq' }, { path: 'app', body: 'x' }])])
  t.same(files(image), ['1:app'])
  t.same(image.packages, [])
  t.equal(image.os, undefined)
  t.same(applyWhiteouts([]), { packages: [], files: [], hidden: { packages: 0, files: 0 } })
})
