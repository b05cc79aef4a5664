import t from 'tap'
import { parseApkInstalled } from '../../../src/threat/inventory/apk.js'
import { catalogKind } from '../../../src/threat/inventory/catalog.js'
import { parseDpkgStatus } from '../../../src/threat/inventory/dpkg.js'
import { isNpmManifest, parsePackageJson } from '../../../src/threat/inventory/npm.js'
import { osvEcosystem, parseOsRelease } from '../../../src/threat/inventory/os-release.js'
import { parseCoreMetadata } from '../../../src/threat/inventory/python.js'
import { fixtureText } from './fixtures.js'
import { withThreatData } from '../../utils/shared-data.js'

const test = withThreatData(t)

test('dpkg: syft edge cases (empty Package:, no Version, Source without version)', async t => {
  const { packages, skipped } = parseDpkgStatus(fixtureText('dpkg-status.multiple-with-edge-cases'))
  t.same(packages, [
    { ecosystem: 'Debian', name: 'tzdata', version: '2020a-0+deb10u1', source: { name: 'tzdata-dev', version: '2020a-0+deb10u1' } },
    { ecosystem: 'Debian', name: 'util-linux', version: '2.33.1-0.1', source: { name: 'util-linux', version: '2.33.1-0.1' } }
  ])
  t.equal(skipped, 2, 'the empty "Package:" stanza and "no-version" are counted')
})

test('dpkg: a "deinstall ok config-files" package is left out, not counted as skipped', async t => {
  const { packages, skipped } = parseDpkgStatus(fixtureText('dpkg-status.deinstall'))
  t.same(packages.map(p => [p.name, p.version, p.source]), [
    ['linux-image-6.14.0-1012-aws', '6.14.0-1012.12~24.04.1', { name: 'linux-signed-aws-6.14', version: '6.14.0-1012.12~24.04.1' }]
  ])
  t.equal(skipped, 0)
})

test('dpkg: a distroless status.d stanza has no Status and counts', async t => {
  const { packages } = parseDpkgStatus(fixtureText('dpkg-status.d.distroless-libsqlite3-0'))
  t.same(packages, [{ ecosystem: 'Debian', name: 'libsqlite3-0', version: '3.34.1-3', source: { name: 'sqlite3', version: '3.34.1-3' } }])
})

test('dpkg: claircore debian-only status (Conffiles continuation lines)', async t => {
  const { packages, skipped } = parseDpkgStatus(fixtureText('dpkg-status.claircore-debian-only'))
  t.same(packages.map(p => `${p.name} ${p.version}`), ['debian-archive-keyring 2019.1'])
  t.equal(skipped, 0)
})

test('dpkg: Source with a version, architecture-qualified names, hold, CRLF, junk lines', async t => {
  const text = [
    'Package: libc6:amd64', 'Status: install ok installed', 'Architecture: amd64', 'Source: glibc (2.36-9+deb12u4)', 'Version: 2.36-9+deb12u4', '',
    'Package: libssl3', 'Status: hold ok installed', 'Source: openssl:any', 'Version: 3.0.11-1~deb12u2', '',
    'Package: half', 'Status: install reinstreq half-installed', 'Version: 1', '',
    'Package: gone', 'Status: purge ok not-installed', 'Version: 1', '',
    'Package: junk', 'this line has no colon', ' continuation of nothing? no: of the junk line', 'Version: 1:2.0-1', '',
    ' a continuation with no field', '',
    'Version: 1.0', ''
  ].join('\r\n')
  const { packages, skipped } = parseDpkgStatus(text)
  t.same(packages, [
    { ecosystem: 'Debian', name: 'libc6', version: '2.36-9+deb12u4', source: { name: 'glibc', version: '2.36-9+deb12u4' } },
    { ecosystem: 'Debian', name: 'libssl3', version: '3.0.11-1~deb12u2', source: { name: 'openssl', version: '3.0.11-1~deb12u2' } },
    { ecosystem: 'Debian', name: 'junk', version: '1:2.0-1', source: { name: 'junk', version: '1:2.0-1' } }
  ])
  t.equal(skipped, 2, 'the stanza of only a stray continuation and the one without Package are counted')
})

test('dpkg: empty and whitespace-only input is no packages', async t => {
  t.same(parseDpkgStatus(''), { packages: [], skipped: 0 })
  t.same(parseDpkgStatus('\n \n\t\n'), { packages: [], skipped: 0 })
})

test('apk: base db (one package, long file list)', async t => {
  t.same(parseApkInstalled(fixtureText('apk-installed.base')), {
    packages: [{ ecosystem: 'Alpine', name: 'alpine-baselayout', version: '3.2.0-r6', source: { name: 'alpine-baselayout', version: '3.2.0-r6' } }],
    skipped: 0
  })
})

test('apk: several packages, origin is the source', async t => {
  const { packages, skipped } = parseApkInstalled(fixtureText('apk-installed.multiple-1'))
  t.same(packages.map(p => [p.name, p.version, p.source?.name]), [
    ['bash', '5.2.21-r0', 'bash'],
    ['busybox-binsh', '1.36.1-r15', 'busybox'],
    ['musl', '1.2.4_git20230717-r4', 'musl'],
    ['readline', '8.2.1-r2', 'readline']
  ])
  t.equal(skipped, 0)
})

test('apk: records without P or V are counted; odd lines ignored; no origin means itself', async t => {
  const { packages, skipped } = parseApkInstalled('P:a\nV:1-r0\n\nP:noversion\n\nV:2\n\ngarbage\nP:b\nV:2-r1\nF:usr\n')
  t.same(packages, [
    { ecosystem: 'Alpine', name: 'a', version: '1-r0', source: { name: 'a', version: '1-r0' } },
    { ecosystem: 'Alpine', name: 'b', version: '2-r1', source: { name: 'b', version: '2-r1' } }
  ])
  t.equal(skipped, 2)
})

test('npm: the cowsay fixture, and manifests without a name or version', async t => {
  t.same(parsePackageJson(fixtureText('node_modules-cowsay-package.json')), { packages: [{ ecosystem: 'npm', name: 'cowsay', version: '1.4.0' }], skipped: 0 })
  t.same(parsePackageJson('{"name":"x"}'), { packages: [], skipped: 1 })
  t.same(parsePackageJson('{"version":"1.0.0"}'), { packages: [], skipped: 1 })
  t.same(parsePackageJson('{"name":"x","version":1}'), { packages: [], skipped: 1 })
  t.same(parsePackageJson('{"name":'), { packages: [], skipped: 1 })
  t.same(parsePackageJson('null'), { packages: [], skipped: 1 })
  t.same(parsePackageJson('[1]'), { packages: [], skipped: 1 })
})

test('npm: which package.json files are package manifests', async t => {
  t.ok(isNpmManifest('node_modules/cowsay/package.json'))
  t.ok(isNpmManifest('usr/local/lib/node_modules/npm/package.json'))
  t.ok(isNpmManifest('app/node_modules/@scope/pkg/package.json'))
  t.ok(isNpmManifest('app/node_modules/a/node_modules/b/package.json'))
  t.notOk(isNpmManifest('app/package.json'))
  t.notOk(isNpmManifest('node_modules/package.json'))
  t.notOk(isNpmManifest('node_modules/a/test/fixture/package.json'))
  t.notOk(isNpmManifest('node_modules/@scope/package.json'))
  t.notOk(isNpmManifest('node_modules/a/lib/esm/package.json'))
})

test('PyPI: the Pygments METADATA; headers only, body ignored', async t => {
  t.same(parseCoreMetadata(fixtureText('python-dist-info-METADATA.pygments')), { packages: [{ ecosystem: 'PyPI', name: 'Pygments', version: '2.6.1' }], skipped: 0 })
  t.same(parseCoreMetadata('Metadata-Version: 2.1\nName: requests\n\nVersion: 9.9 in the body\n'), { packages: [], skipped: 1 })
  t.same(parseCoreMetadata('Metadata-Version: 1.0\nname: six\nversion: 1.16.0\n'), { packages: [{ ecosystem: 'PyPI', name: 'six', version: '1.16.0' }], skipped: 0 })
  t.same(parseCoreMetadata(''), { packages: [], skipped: 1 })
})

test('os-release: the Debian and Alpine fixtures', async t => {
  t.same(parseOsRelease(fixtureText('os-release.debian')), { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', ecosystem: 'Debian:12' })
  t.same(parseOsRelease(fixtureText('os-release.alpine')), { id: 'alpine', versionId: '3.15.4', prettyName: 'Alpine Linux v3.15', ecosystem: 'Alpine:v3.15' })
})

test('os-release: Ubuntu, quoting, missing ID or version', async t => {
  t.same(parseOsRelease('NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n'), { id: 'ubuntu', versionId: '22.04', prettyName: 'Ubuntu 22.04.4 LTS', ecosystem: 'Ubuntu:22.04' })
  t.same(parseOsRelease("# comment\nID='debian'\nPRETTY_NAME=\"Debian \\\"sid\\\"\"\n"), { id: 'debian', prettyName: 'Debian "sid"' }, 'no VERSION_ID (sid): no ecosystem')
  t.same(parseOsRelease('ID=fedora\nVERSION_ID=39\n'), { id: 'fedora', versionId: '39' })
  t.equal(parseOsRelease('NAME=x\n'), undefined)
  t.equal(osvEcosystem('debian', '11.9'), 'Debian:11')
  t.equal(osvEcosystem('alpine', '3.19.1'), 'Alpine:v3.19')
  t.equal(osvEcosystem('alpine', '3.20_alpha20240329'), 'Alpine:v3.20')
  t.equal(osvEcosystem('alpine', 'edge'), undefined)
})

test('which layer paths are read', async t => {
  t.equal(catalogKind('var/lib/dpkg/status'), 'dpkg')
  t.equal(catalogKind('var/lib/dpkg/status.d/libsqlite3-0'), 'dpkg')
  t.equal(catalogKind('var/lib/dpkg/status.d/libsqlite3-0.md5sums'), undefined)
  t.equal(catalogKind('var/lib/dpkg/status-old'), undefined)
  t.equal(catalogKind('var/lib/dpkg/status.d/x/y'), undefined)
  t.equal(catalogKind('lib/apk/db/installed'), 'apk')
  t.equal(catalogKind('etc/os-release'), 'os-release')
  t.equal(catalogKind('usr/lib/os-release'), 'os-release')
  t.equal(catalogKind('node_modules/cowsay/package.json'), 'npm')
  t.equal(catalogKind('usr/lib/python3/dist-packages/Pygments-2.6.1.dist-info/METADATA'), 'pypi')
  t.equal(catalogKind('usr/lib/python3/site-packages/six-1.16.0-py3.11.egg-info/PKG-INFO'), 'pypi')
  t.equal(catalogKind('usr/lib/python3/dist-packages/six-1.16.0.egg-info'), 'pypi')
  t.equal(catalogKind('usr/lib/python3/dist-packages/x.dist-info/RECORD'), undefined)
  t.equal(catalogKind('srv/var/lib/dpkg/status'), undefined)
})
