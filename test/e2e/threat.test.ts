/**
 * Known malware never leaves a shoal daemon, end to end with real parts: a
 * Distribution registry holding an image one of whose layers carries the
 * EICAR test file, a daemon whose threat feeds hold a malware list (added
 * with the CLI), and containerd pulling through its mirror. The pull is
 * refused with the reason; the daemon logs it, counts it and keeps nothing.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Cluster } from '../../sim/cluster.js'
import { startContainerd } from '../utils/containerd.js'
import { pushLayout, writeImageLayout } from '../utils/oci-images.js'
import { startRegistry } from '../utils/registry.js'
import { THREAT_DIR } from '../utils/shared-data.js'
import { removeDir, requireBinaries, tempDir } from '../utils/system.js'
import { EICAR, EICAR_SHA256 } from '../threat/scan/fixtures.js'

const BIN = fileURLToPath(new URL('../../bin/shoal.js', import.meta.url))
const BINARIES = ['docker-registry', 'skopeo', 'containerd', 'ctr']

async function shoal (socket: string, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, '--admin', socket, ...args], { maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

t.test('containerd is refused an image holding the EICAR test file, with the reason', async t => {
  if (!requireBinaries(t, BINARIES)) return
  const dir = await tempDir('threat-e2e')
  t.teardown(() => removeDir(dir))
  // The shared MalwareBazaar-format fixture when present (it lists EICAR); else a plain sha256 list.
  let list = THREAT_DIR != null ? join(THREAT_DIR, 'malwarebazaar-export.example.csv') : join(dir, 'malware.txt')
  if (THREAT_DIR == null) await writeFile(list, `${EICAR_SHA256}\n`)
  list = list.replace(/\/+$/, '')

  const registry = await startRegistry()
  t.teardown(registry.destroy)
  const layout = join(dir, 'layout')
  const bad = await writeImageLayout(layout, {
    tag: 'eicar',
    layers: [
      { files: { 'etc/os-release': 'ID=shoal-e2e\nVERSION_ID=1\n' } },
      { files: { 'opt/app/eicar.com': EICAR, 'opt/app/readme.txt': 'a test file every malware list knows\n' } }
    ]
  })
  await pushLayout(layout, 'eicar', registry.host, 'team/eicar')
  await writeImageLayout(layout, { tag: 'clean', layers: [{ files: { 'opt/app/hello.txt': 'hello\n' } }] })
  await pushLayout(layout, 'clean', registry.host, 'team/clean')

  const cluster = new Cluster({ logLevel: 'info' })
  t.teardown(async () => { await cluster.teardown() })
  const a = await cluster.spawn('a', { args: ['--origin', registry.host] })
  const added = await shoal(a.socket, ['threat', 'feeds', 'add', list])
  t.equal(added.code, 0, `feeds add: ${added.stderr}`)
  t.match(added.stdout, /malware\s+1\b/, 'the list is stored with its one hash')

  const containerd = await startContainerd()
  t.teardown(containerd.stop)
  const hosts = join(dir, 'hosts')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(join(hosts, registry.host), { recursive: true })
  await writeFile(join(hosts, registry.host, 'hosts.toml'), `server = "http://127.0.0.1:9"\n\n[host."${a.mirror}"]\n  capabilities = ["pull", "resolve"]\n`)

  const clean = await containerd.pull(`${registry.host}/team/clean:clean`, { hostsDir: hosts })
  t.equal(clean.code, 0, `a clean image is pulled: ${clean.stderr.slice(-500)}`)

  const refused = await containerd.pull(`${registry.host}/team/eicar:eicar`, { hostsDir: hosts })
  t.not(refused.code, 0, 'the pull fails')
  const said = refused.stdout + refused.stderr
  t.match(said, /403|denied/i, `ctr names the refusal: ${said.slice(-600)}`)
  t.match(said, /quarantined/, 'and the reason')
  t.match(said, /opt\/app\/eicar\.com/, 'down to the file')

  const evil = bad.layers[1]!.digest
  const log = await readFile(a.logFile, 'utf8')
  t.match(log, /blob quarantined: it will not be served or announced/, 'the daemon logs the quarantine')
  t.match(log, new RegExp(`${evil}.*EICAR|EICAR.*${evil}`), 'with the digest and the reason')
  t.match(await a.admin.metrics(), /shoal_threat_quarantined_total 1\b/, 'and counts it')
  t.notOk((await a.admin.blobs()).some(b => b.digest === evil), 'the layer is not kept')

  const q = await shoal(a.socket, ['threat', 'quarantine', '--json'])
  const records = JSON.parse(q.stdout) as Array<{ digest: string, reason: string }>
  t.same(records.map(r => r.digest), [evil], 'shoal threat quarantine lists it')
  const again = await fetch(`${a.mirror}/v2/team/eicar/blobs/${evil}?ns=${registry.host}`)
  t.equal(again.status, 403, 'refused from then on, without fetching it')

  const scan = await shoal(a.socket, ['threat', 'scan', `${layout}:eicar`])
  t.equal(scan.code, 1, 'shoal threat scan exits 1 on malware')
  t.match(scan.stdout, /MALWARE opt\/app\/eicar\.com/)
  const score = await shoal(a.socket, ['threat', 'score', bad.layers[0]!.digest, '--json'])
  t.equal(score.code, 0, score.stderr)
  t.equal((JSON.parse(score.stdout) as { score: number }).score, 0, 'the clean layer of the image scores 0')
})
