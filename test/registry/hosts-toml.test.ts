import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { DEFAULT_MIRROR_URL } from '../../src/registry/constants.js'
import {
  checkMirrorUrl, checkOriginHost, DEFAULT_HOSTS_DIR, hostsToml, hostsTomlPath, isLoopbackHost, originServer, writeHostsToml
} from '../../src/registry/hosts-toml.js'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-hosts-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const MIRROR_SECTION = `[host."http://127.0.0.1:5050"]\n  capabilities = ["pull", "resolve"]\n`

t.test('hosts.toml names the mirror for pull and resolve, and the origin as server', async t => {
  t.equal(hostsToml({ origin: 'docker.io', mirror: DEFAULT_MIRROR_URL }),
    `server = "https://registry-1.docker.io"\n\n${MIRROR_SECTION}`, "Docker Hub's API host")
  t.equal(hostsToml({ origin: 'ghcr.io', mirror: 'http://127.0.0.1:5050' }), `server = "https://ghcr.io"\n\n${MIRROR_SECTION}`)
  t.equal(hostsToml({ origin: '127.0.0.1:5000', mirror: 'http://127.0.0.1:5050' }), `server = "http://127.0.0.1:5000"\n\n${MIRROR_SECTION}`, 'loopback speaks http')
  t.equal(hostsToml({ origin: 'registry.example.com:8443', mirror: 'http://127.0.0.1:5050' }), `server = "https://registry.example.com:8443"\n\n${MIRROR_SECTION}`)
  t.equal(hostsToml({ origin: 'Quay.IO', mirror: 'http://127.0.0.1:5050' }), `server = "https://quay.io"\n\n${MIRROR_SECTION}`, 'host names are lower-cased')
  t.equal(hostsToml({ origin: 'ghcr.io', mirror: 'https://mirror.internal:5443/', skipVerify: true }),
    'server = "https://ghcr.io"\n\n[host."https://mirror.internal:5443"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n', 'skip_verify, and the mirror without its slash')
  t.equal(DEFAULT_MIRROR_URL, 'http://127.0.0.1:5050')
  t.equal(DEFAULT_HOSTS_DIR, '/etc/containerd/certs.d')
})

t.test('loopback origins', async t => {
  for (const h of ['127.0.0.1', '127.0.0.1:5000', '127.8.9.10:80', 'localhost', 'localhost:5000', '[::1]', '[::1]:5000', '[0:0:0:0:0:0:0:1]:5000']) {
    t.ok(isLoopbackHost(h), h)
    t.match(originServer(h), /^http:\/\//, `${h} is http`)
  }
  for (const h of ['128.0.0.1', '10.0.0.1:5000', 'localhost.example.com', '[::2]:5000', 'ghcr.io', '127.example.com']) {
    t.notOk(isLoopbackHost(h), h)
    t.match(originServer(h), /^https:\/\//, `${h} is https`)
  }
  t.equal(originServer('[::1]:5000'), 'http://[::1]:5000')
})

t.test('origins that are not host[:port] are refused with the fix', async t => {
  const cases: Array<[string, RegExp]> = [
    ['', /is empty; give a registry host such as docker.io/],
    ['https://ghcr.io', /has a scheme; give the host only: ghcr.io/],
    ['https://ghcr.io/owner/repo', /has a scheme; give the host only: ghcr.io$/],
    ['ghcr.io/owner', /has a path; give the host only: ghcr.io/],
    ['ghcr.io:0', /port outside 1-65535/],
    ['ghcr.io:65536', /port outside 1-65535/],
    ['ghcr.io:080', /leading zero/],
    ['ghcr.io:', /not a valid host name|bad port/],
    ['ghcr.io:abc', /bad port/],
    ['::1', /IPv6 address without brackets; give \[::1\]/],
    ['[::1', /not a valid host name|bad port/],
    ['[ghcr.io]:5000', /not an IPv6 address/],
    ['999.1.1.1', /not a valid IPv4 address/],
    ['ghcr..io', /not a valid host name/],
    ['-ghcr.io', /not a valid host name/],
    ['gh_cr.io', /not a valid host name/],
    ['user@ghcr.io', /is not a host name/],
    ['ghcr.io ', /is not a host name/],
    ['a'.repeat(254), /longer than 253/]
  ]
  for (const [origin, message] of cases) {
    t.throws(() => checkOriginHost(origin), { name: 'InvalidOriginHostError', message }, JSON.stringify(origin))
    t.throws(() => hostsToml({ origin, mirror: DEFAULT_MIRROR_URL }), { name: 'InvalidOriginHostError' })
  }
  for (const origin of ['docker.io', 'ghcr.io', '127.0.0.1:5000', '[::1]:5000', 'localhost', 'a-b.c-d.example:1', '10.0.0.1:65535']) {
    t.equal(checkOriginHost(origin), origin, `${origin} is fine`)
  }
})

t.test('mirrors that are not http(s)://host[:port] are refused with the fix', async t => {
  const cases: Array<[string, RegExp]> = [
    ['127.0.0.1:5050', /must be http:\/\/ or https:\/\/|not a URL/],
    ['mirror', /is not a URL; give http:\/\/HOST:PORT/],
    ['ftp://127.0.0.1:5050', /must be http:\/\/ or https:\/\/, not ftp:\/\//],
    ['http://127.0.0.1:5050/v2/', /has a path or query; give the server only \(http:\/\/127\.0\.0\.1:5050\)/],
    ['http://127.0.0.1:5050?x=1', /has a path or query/],
    ['http://user:pw@127.0.0.1:5050', /credentials/]
  ]
  for (const [mirror, message] of cases) {
    t.throws(() => checkMirrorUrl(mirror), { name: 'InvalidMirrorUrlError', message }, mirror)
    t.throws(() => hostsToml({ origin: 'docker.io', mirror }), { name: 'InvalidMirrorUrlError' })
  }
  t.equal(checkMirrorUrl('HTTP://LocalHost:5050/'), 'http://localhost:5050')
  t.equal(checkMirrorUrl('https://mirror.internal:443'), 'https://mirror.internal', 'the default port is dropped')
  t.equal(checkMirrorUrl('http://[::1]:5050'), 'http://[::1]:5050')
})

t.test('writeHostsToml writes DIR/HOST/hosts.toml atomically', async t => {
  const dir = join(await tempDir(t), 'certs.d')
  const written = await writeHostsToml({ dir, origin: '127.0.0.1:5000', mirror: 'http://127.0.0.1:5050' })
  t.equal(written.path, join(dir, '127.0.0.1:5000', 'hosts.toml'), 'the colon stays: containerd looks host:port up literally')
  t.equal(written.path, hostsTomlPath(dir, '127.0.0.1:5000'))
  t.equal(await readFile(written.path, 'utf8'), written.content)
  t.equal(written.content, `server = "http://127.0.0.1:5000"\n\n${MIRROR_SECTION}`)
  t.equal((await stat(written.path)).mode & 0o777, 0o644, 'readable by containerd')

  const again = await writeHostsToml({ dir, origin: '127.0.0.1:5000', mirror: 'http://127.0.0.1:6000' })
  t.match(await readFile(again.path, 'utf8'), /\[host\."http:\/\/127\.0\.0\.1:6000"\]/, 'an existing file is replaced')
  t.same(await readdir(join(dir, '127.0.0.1:5000')), ['hosts.toml'], 'no temp file left')

  const hub = await writeHostsToml({ dir, origin: 'docker.io', mirror: DEFAULT_MIRROR_URL })
  t.equal(hub.path, join(dir, 'docker.io', 'hosts.toml'))
  t.same((await readdir(dir)).sort(), ['127.0.0.1:5000', 'docker.io'])
})

t.test('writeHostsToml checks before it touches the disk, and leaves nothing behind on failure', async t => {
  const root = await tempDir(t)
  await t.rejects(writeHostsToml({ dir: join(root, 'a'), origin: 'https://ghcr.io', mirror: DEFAULT_MIRROR_URL }), { name: 'InvalidOriginHostError' })
  await t.rejects(writeHostsToml({ dir: join(root, 'a'), origin: 'ghcr.io', mirror: 'ftp://x' }), { name: 'InvalidMirrorUrlError' })
  t.same(await readdir(root), [], 'no directory made')

  // hosts.toml is a directory: the rename fails, and the temp file goes.
  const dir = join(root, 'b')
  await mkdir(join(dir, 'ghcr.io', 'hosts.toml'), { recursive: true })
  await writeFile(join(dir, 'ghcr.io', 'hosts.toml', 'x'), 'x')
  await t.rejects(writeHostsToml({ dir, origin: 'ghcr.io', mirror: DEFAULT_MIRROR_URL }), { code: /EISDIR|ENOTEMPTY|EEXIST/ })
  t.same(await readdir(join(dir, 'ghcr.io')), ['hosts.toml'], 'no temp file left')
})
