import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseSize, type DaemonConfig } from '../../src/daemon/config.js'
import { DEFAULT_LISTEN, DEFAULT_REGION } from '../../src/daemon/constants.js'
import { parsePeersFile, seedAddrs } from '../../src/daemon/peers-file.js'

const load = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<DaemonConfig> => {
  const c = await loadConfig(argv, { XDG_DATA_HOME: '/home/x/.local/share', ...env })
  if (c === 'help') throw new Error('help')
  return c
}

t.test('defaults are the documented constants', async t => {
  const c = await load([])
  t.equal(c.region, DEFAULT_REGION)
  t.same(c.listen, [DEFAULT_LISTEN])
  t.equal(DEFAULT_LISTEN, '/ip4/0.0.0.0/tcp/4001')
  t.equal(c.data, '/home/x/.local/share/shoal')
  t.equal(c.capacityBytes, undefined)
  t.equal(c.logLevel, 'info')
})

t.test('flags beat the environment, which beats the config file', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'shoal.json')
  await writeFile(file, JSON.stringify({ region: 'from-file', capacity: '1GiB', 'max-connections': 10, bootstrap: ['/ip4/127.0.0.1/tcp/1'] }))
  const c = await load(['--config', file, '--region', 'from-flag'], { SHOAL_REGION: 'from-env', SHOAL_CAPACITY: '2GiB', SHOAL_LISTEN: '/ip4/127.0.0.1/tcp/5,/ip4/127.0.0.1/tcp/6' })
  t.equal(c.region, 'from-flag')
  t.equal(c.capacityBytes, 2 * 1024 ** 3)
  t.equal(c.maxConnections, 10)
  t.same(c.listen, ['/ip4/127.0.0.1/tcp/5', '/ip4/127.0.0.1/tcp/6'])
  t.same(c.bootstrap, ['/ip4/127.0.0.1/tcp/1'])
})

t.test('bad configuration is refused with a message that names the fix', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'bad.json')
  await writeFile(file, JSON.stringify({ regoin: 'typo' }))
  await t.rejects(load(['--config', file]), { name: 'ConfigError', message: /unknown option "regoin"; known options are .*region/ })
  await writeFile(file, '{ not json')
  await t.rejects(load(['--config', file]), { name: 'ConfigError', message: /bad.json/ })
  await t.rejects(load(['--nope']), { name: 'ConfigError', message: /see shoal daemon --help/ })
  await t.rejects(load(['--capacity', 'lots']), { name: 'ConfigError', message: /write e.g. 500MiB/ })
  await t.rejects(load(['--region', 'a b']), { name: 'ConfigError' })
  await t.rejects(load(['--max-connections', '0']), { name: 'ConfigError' })
  await t.rejects(load(['--log-level', 'loud']), { name: 'ConfigError' })
  t.equal(await loadConfig(['--help'], {}), 'help')
})

t.test('sizes', async t => {
  t.equal(parseSize('512', 'x'), 512)
  t.equal(parseSize('1.5KiB', 'x'), 1536)
  t.equal(parseSize('20GB', 'x'), 20e9)
  t.throws(() => parseSize('-1', 'capacity'), /capacity/)
})

t.test('peers files', async t => {
  const f = parsePeersFile(JSON.stringify({ regions: { a: { seeds: ['/ip4/127.0.0.1/tcp/4001'] }, b: { seeds: [] } }, links: { ignored: true } }), 'p.json')
  t.same(seedAddrs(f), ['/ip4/127.0.0.1/tcp/4001'])
  t.throws(() => parsePeersFile('{}', 'p.json'), /needs an object "regions"/)
  t.throws(() => parsePeersFile(JSON.stringify({ regions: { a: { seeds: ['nope'] } } }), 'p.json'), /regions.a.seeds: "nope" is not a multiaddr/)
  t.throws(() => parsePeersFile('[', 'p.json'), { name: 'ConfigError' })
})

t.test('mirror, origin and credentials options', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const d = await load([])
  t.equal(d.mirror, '127.0.0.1:5050', 'the mirror listens on loopback port 5050 by default')
  t.equal(d.tagFallback, true)
  t.same(d.origins, {})
  t.equal((await load(['--mirror', 'off'])).mirror, null)
  t.equal((await load(['--mirror', '127.0.0.1:0', '--origin', 'registry.example.com:5000', '--tag-fallback', 'off'])).tagFallback, false)
  await t.rejects(load(['--mirror', 'nowhere']), { name: 'ConfigError', message: /not host:port/ })
  await t.rejects(load(['--origin', 'https://registry.example.com']), { name: 'ConfigError', message: /no scheme/ })
  await t.rejects(load(['--tag-fallback', 'maybe']), { name: 'ConfigError', message: /on or off/ })
  t.equal(d.artifacts, true, 'shard index artifacts are looked up by default')
  t.equal((await load(['--artifacts', 'off'])).artifacts, false)
  await t.rejects(load(['--artifacts', 'no']), { name: 'ConfigError', message: /artifacts must be on or off/ })

  const docker = join(dir, 'docker.json')
  await writeFile(docker, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'dTpw' }, 'r.example:5000': { username: 'u', password: 'p' } } }))
  const file = join(dir, 'shoal.json')
  await writeFile(file, JSON.stringify({
    origins: { 'r.example:5000': { scheme: 'http', caFile: 'ca.pem', retries: 1 } },
    auths: { 'r.example:5000': { auth: 'eDp5' } }
  }))
  const c = await load(['--config', file, '--registry-auth', docker])
  t.same(c.origins['r.example:5000'], { scheme: 'http', caFile: join(process.cwd(), 'ca.pem'), retries: 1 })
  t.same(c.auths['docker.io'], { auth: 'dTpw' }, "docker's Hub key becomes docker.io")
  t.same(c.auths['r.example:5000'], { auth: 'eDp5' }, 'the config file wins over the docker file')

  const bad = async (json: unknown, re: RegExp): Promise<void> => {
    await writeFile(file, JSON.stringify(json))
    await t.rejects(load(['--config', file]), { name: 'ConfigError', message: re })
  }
  await bad({ origins: { 'http://x': {} } }, /not a registry host/)
  await bad({ origins: { x: { scheme: 'ftp' } } }, /scheme must be/)
  await bad({ origins: { x: { token: 'y' } } }, /unknown option "token"/)
  await bad({ origins: { x: { retries: -1 } } }, /non-negative integer/)
  await bad({ auths: { x: { auth: 5 } } }, /must be a string/)
  await t.rejects(load(['--registry-auth', join(dir, 'missing.json')]), { name: 'ConfigError', message: /registry-auth file/ })
})
