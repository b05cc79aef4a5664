import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { defaultAdminTarget, defaultDataDir } from '../../src/cli/index.js'
import { FAKE_PEER, REMOTE_PEER, sha256Digest } from '../admin/fake-daemon.js'
import { shortTempDir, startAdmin } from '../admin/helpers.js'
import { runCli } from './helpers.js'

function bytesOf (size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

t.test('status --json and the human table', async t => {
  const { fake, address } = await startAdmin(t)
  const json = await runCli(['--admin', address, 'status', '--json'])
  t.equal(json.code, 0, json.stderr)
  t.same(JSON.parse(json.stdout), await fake.status())

  const human = await runCli(['status', '--admin', address])
  t.equal(human.code, 0)
  t.match(human.stdout, new RegExp(`^peer id +${FAKE_PEER}$`, 'm'))
  t.match(human.stdout, /^region +eu-west$/m)
  t.match(human.stdout, /^served +2 shards, 2\.0 KiB, 0 refused busy$/m)
  t.match(human.stdout, /^uptime +1m 05s$/m)
})

t.test('add FILE, then fetch --out round trip', async t => {
  const { fake, address, dir } = await startAdmin(t)
  const bytes = bytesOf(300_000, 1)
  const digest = sha256Digest(bytes)
  const file = join(dir, 'layer.bin')
  writeFileSync(file, bytes)

  const added = await runCli(['--admin', address, 'add', file, '--json'])
  t.equal(added.code, 0, added.stderr)
  t.same(JSON.parse(added.stdout), [{ path: file, digest, sizeBytes: 300_000, shards: 75_000, indexCid: 'bafyindex' + digest.slice(7, 15) }])
  t.same(fake.local.get(digest), bytes, 'the daemon got every byte')

  const table = await runCli(['--admin', address, 'add', file])
  t.match(table.stdout, /^DIGEST +SIZE +SHARDS +PATH$/m)
  t.match(table.stdout, new RegExp(`^${digest} +293\\.0 KiB +75000 +${file}$`, 'm'))

  const out = join(dir, 'copy.bin')
  const fetched = await runCli(['--admin', address, 'fetch', digest, '--out', out])
  t.equal(fetched.code, 0, fetched.stderr)
  t.same(readFileSync(out), bytes)
  t.notOk(existsSync(out + '.tmp'), 'no temp file left')
  t.match(fetched.stdout, new RegExp(`^fetched +${digest}$`, 'm'))
  t.match(fetched.stdout, /^from local +293\.0 KiB$/m)
  t.match(fetched.stdout, new RegExp(`^written +${out}$`, 'm'))

  const json = await runCli(['--admin', address, 'fetch', digest, '--json'])
  t.match(JSON.parse(json.stdout), { digest, sizeBytes: 300_000, bytesBySource: { local: 300_000 } })
})

t.test('fetch from a peer: the report shows sources and peers', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = bytesOf(5000, 2)
  const digest = sha256Digest(bytes)
  fake.remote.set(digest, bytes)
  const r = await runCli(['--admin', address, 'fetch', digest])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^from peers +4\.9 KiB$/m)
  t.match(r.stdout, /^PEER +BYTES$/m)
  t.match(r.stdout, /^12D3KooWRemo…222222 +4\.9 KiB$/m)

  const stdout = await runCli(['--admin', address, 'fetch', digest, '--out', '-', '--json'])
  t.equal(stdout.code, 0, stdout.stderr)
  t.same(stdout.stdoutBytes, bytes, '--out - writes the blob to stdout')
  t.match(JSON.parse(stdout.stderr), { digest, out: '-' }, 'and the report to stderr')
})

t.test('fetch --out refuses bytes that do not match the digest', async t => {
  const { fake, address, dir } = await startAdmin(t)
  const digest = sha256Digest(Buffer.from('what was asked for'))
  fake.plant(digest, bytesOf(4000, 3))
  const out = join(dir, 'liar.bin')
  const r = await runCli(['--admin', address, 'fetch', digest, '--out', out])
  t.equal(r.code, 1)
  t.match(r.stderr, new RegExp(`^shoal: BlobDigestMismatchError: the daemon served bytes that hash to sha256:[0-9a-f]{64}, not ${digest}; ${out} not written\\n$`))
  t.notOk(existsSync(out))
  t.notOk(existsSync(out + '.tmp'), 'temp file removed')

  const toStdout = await runCli(['--admin', address, 'fetch', digest, '--out', '-'])
  t.equal(toStdout.code, 1, 'stdout: the bytes went out, but the exit code says they are wrong')
  t.match(toStdout.stderr, /BlobDigestMismatchError/)
})

t.test('add an OCI image layout', async t => {
  const { fake, address, dir } = await startAdmin(t)
  const layout = join(dir, 'image')
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true })
  const layer = bytesOf(20_000, 4)
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }))
  const blob = (b: Buffer): string => { const hex = createHash('sha256').update(b).digest('hex'); writeFileSync(join(layout, 'blobs', 'sha256', hex), b); return 'sha256:' + hex }
  const layerDigest = blob(layer)
  const configDigest = blob(config)
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.byteLength },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.byteLength }]
  }))
  const manifestDigest = blob(manifest)
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.byteLength }] }))

  const r = await runCli(['--admin', address, 'add', layout, '--json'])
  t.equal(r.code, 0, r.stderr)
  const digests = (JSON.parse(r.stdout) as Array<{ digest: string }>).map(a => a.digest)
  t.same(digests, [layerDigest, configDigest, manifestDigest].sort())
  for (const d of digests) t.ok(fake.local.has(d), `${d} added`)

  // A blob whose content does not match its name is refused by the daemon.
  const fakeName = 'ab'.repeat(32)
  writeFileSync(join(layout, 'blobs', 'sha256', fakeName), 'tampered')
  const tampered = await runCli(['--admin', address, 'add', layout])
  t.equal(tampered.code, 1)
  t.match(tampered.stderr, new RegExp(`^shoal: BlobDigestMismatchError: .*blobs/sha256/${fakeName}: blob digest mismatch: expected sha256:${fakeName}`))

  const plainDir = join(dir, 'plain')
  mkdirSync(plainDir)
  const notLayout = await runCli(['--admin', address, 'add', plainDir])
  t.equal(notLayout.code, 1)
  t.match(notLayout.stderr, /^shoal: NotAnOciLayoutError: .*not an OCI image layout/)
})

t.test('peers, blobs and shards tables', async t => {
  const { fake, address } = await startAdmin(t)
  const bytes = Buffer.from('0123456789')
  const digest = sha256Digest(bytes)
  fake.local.set(digest, bytes)

  const peers = await runCli(['--admin', address, 'peers'])
  t.equal(peers.code, 0, peers.stderr)
  t.match(peers.stdout, /^PEER +REGION +STATE +RTT +SENT +RECEIVED +ADDRESSES\n12D3KooWRemo…222222 +eu-west +connected +1\.5 ms +1\.0 KiB +3\.0 MiB +\/ip4\/10\.0\.0\.2\/tcp\/4001\n$/)
  const peersJson = await runCli(['--admin', address, 'peers', '--json'])
  t.equal((JSON.parse(peersJson.stdout) as Array<{ peerId: string }>)[0]?.peerId, REMOTE_PEER, 'JSON has the whole id')

  const blobs = await runCli(['--admin', address, 'blobs'])
  t.match(blobs.stdout, new RegExp(`^DIGEST +SIZE +SHARDS +COMPLETE\\n${digest} +10 B +3/3 +yes\\n$`))

  const shards = await runCli(['--admin', address, 'shards', '--layer', digest, '--providers'])
  t.equal(shards.code, 0, shards.stderr)
  t.match(shards.stdout, /^# +CID +SIZE +HELD +PROVIDERS$/m)
  t.match(shards.stdout, /^2 +bafkfake\w+2 +2 B +yes +12D3KooWFake…111111$/m)
  const shardsJson = await runCli(['--admin', address, 'shards', '--json'])
  t.equal((JSON.parse(shardsJson.stdout) as unknown[]).length, 3)

  const missing = await runCli(['--admin', address, 'shards', '--layer', 'sha256:' + '0'.repeat(64)])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^shoal: BlobNotFoundError: /, 'the daemon\'s error name comes through')
})

t.test('an unreachable daemon is named, with a hint', async t => {
  const dir = await shortTempDir(t)
  const socket = join(dir, 'admin.sock')
  const r = await runCli(['--admin', socket, 'status'])
  t.equal(r.code, 1)
  t.match(r.stderr, `shoal: DaemonUnreachableError: cannot reach the shoal daemon at ${socket} (ENOENT)`)
  t.match(r.stderr, 'shoal daemon')

  const byData = await runCli(['blobs'], { SHOAL_DATA: dir })
  t.match(byData.stderr, `at ${socket} (ENOENT)`, 'default socket in the data dir')

  const tcp = await runCli(['--admin', 'http://127.0.0.1:1', 'peers'])
  t.match(tcp.stderr, 'DaemonUnreachableError: cannot reach the shoal daemon at http://127.0.0.1:1 (ECONNREFUSED)')
})

t.test('where the CLI looks for the daemon', async t => {
  const { address, dir } = await startAdmin(t)
  const viaEnv = await runCli(['status', '--json'], { SHOAL_ADMIN: address })
  t.equal(viaEnv.code, 0, '$SHOAL_ADMIN')
  const viaData = await runCli(['--data', dir, 'status', '--json'])
  t.equal(viaData.code, 0, '--data DIR -> DIR/admin.sock')
  const viaDataEnv = await runCli(['status', '--json'], { SHOAL_DATA: dir })
  t.equal(viaDataEnv.code, 0, '$SHOAL_DATA')
  const flagWins = await runCli(['status', '--json', '--admin', address], { SHOAL_ADMIN: '/nope.sock' })
  t.equal(flagWins.code, 0, '--admin beats $SHOAL_ADMIN')

  const tcp = await startAdmin(t, { listen: '127.0.0.1:0' })
  t.equal((await runCli(['--admin', tcp.address, 'status', '--json'])).code, 0, 'http:// URL')
  t.equal((await runCli(['--admin', tcp.address.replace('http://', ''), 'status', '--json'])).code, 0, 'host:port')

  t.equal(defaultDataDir({}), join(homedir(), '.local', 'share', 'shoal'))
  t.equal(defaultDataDir({ SHOAL_DATA: '' }), join(homedir(), '.local', 'share', 'shoal'), 'empty means unset')
  t.equal(defaultDataDir({ SHOAL_DATA: '/srv/shoal' }), '/srv/shoal')
  t.equal(defaultDataDir({ XDG_DATA_HOME: '/x' }), '/x/shoal')
  t.equal(defaultAdminTarget({}, { SHOAL_DATA: '/srv/shoal' }), '/srv/shoal/admin.sock')
  t.equal(defaultAdminTarget({ data: '/d' }, {}), '/d/admin.sock')
  t.equal(defaultAdminTarget({ data: '/d' }, { SHOAL_ADMIN: '/a.sock' }), '/a.sock', 'as the daemon does: $SHOAL_ADMIN beats --data')
  t.equal(defaultAdminTarget({ admin: '/b.sock' }, { SHOAL_ADMIN: '/a.sock' }), '/b.sock')
})

t.test('usage: help, unknown commands and flags', async t => {
  const help = await runCli(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: shoal /)
  t.equal(help.stderr, '')
  const helpCmd = await runCli(['help', 'fetch'])
  t.match(helpCmd.stdout, /^usage: shoal fetch DIGEST/)
  const cmdHelp = await runCli(['shards', '--help'])
  t.equal(cmdHelp.code, 0)
  t.match(cmdHelp.stdout, /--providers/)
  for (const name of ['status', 'peers', 'blobs', 'add', 'fetch']) {
    const h = await runCli([name, '-h'])
    t.equal(h.code, 0, `${name} -h`)
    t.match(h.stdout, new RegExp(`^usage: shoal ${name}.*\\n[^]*--json`), `${name} documents --json`)
  }

  const none = await runCli([])
  t.equal(none.code, 2)
  t.match(none.stderr, /^shoal: no command given\n\nusage: shoal/)
  t.equal(none.stdout, '')

  const unknown = await runCli(['frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^shoal: unknown command "frobnicate"\n\nusage: shoal/)

  const flag = await runCli(['status', '--frob'])
  t.equal(flag.code, 2)
  t.match(flag.stderr, /^shoal: unknown option --frob\n\nusage: shoal status/)

  const globalFlag = await runCli(['--frob', 'status'])
  t.equal(globalFlag.code, 2)

  const noValue = await runCli(['--admin'])
  t.equal(noValue.code, 2)

  const extra = await runCli(['status', 'extra'])
  t.equal(extra.code, 2)

  const noDigest = await runCli(['fetch'])
  t.equal(noDigest.code, 2)
  const badDigest = await runCli(['fetch', 'latest'])
  t.equal(badDigest.code, 2)
  t.match(badDigest.stderr, /DIGEST must be sha256/)
  const noFile = await runCli(['add'])
  t.equal(noFile.code, 2)
})

t.test('shoal daemon is handed to the daemon entry point', async t => {
  const r = await runCli(['daemon', '--help'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^usage: shoal daemon/)
  const bad = await runCli(['daemon', '--no-such-flag'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^shoal daemon: /)
})

t.test('a system error prints as itself', async t => {
  const { address, dir } = await startAdmin(t)
  const r = await runCli(['--admin', address, 'add', join(dir, 'no-such-file')])
  t.equal(r.code, 1)
  t.match(r.stderr, /^shoal: ENOENT: no such file or directory/)
})
