import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './helpers.js'
import { EICAR_SHA256, OS_RELEASE, debianLayer, eicarLayer } from '../threat/scan/fixtures.js'

async function dataDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-cli-threat-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const OSV = JSON.stringify({
  id: 'DEBIAN-CVE-2023-5678',
  aliases: ['CVE-2023-5678'],
  modified: '2024-01-01T00:00:00Z',
  published: '2024-01-01T00:00:00Z',
  schema_version: '1.6.0',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] }]
})

t.test('without a daemon: feeds are kept in the data directory, scans read them', async t => {
  const data = await dataDir(t)
  const env = { SHOAL_DATA: data }
  const files = join(data, 'in')
  await (await import('node:fs/promises')).mkdir(files)
  await writeFile(join(files, 'malware.txt'), `# a plain list\n${EICAR_SHA256}\nnot-a-hash\n`)
  await writeFile(join(files, 'osv.json'), OSV)
  await writeFile(join(files, 'debian.tar.gz'), debianLayer())
  await writeFile(join(files, 'eicar.tar.gz'), eicarLayer())

  const added = await runCli(['threat', 'feeds', 'add', join(files, 'malware.txt'), '--kind', 'malware', '--name', 'local-list'], env)
  t.equal(added.code, 0, added.stderr)
  t.match(added.stderr, /no daemon answers at .*admin\.sock; using .* directly/, 'says it works on the data directory')
  t.match(added.stdout, /local-list\s+malware\s+1\s+1/, 'one hash stored, one line skipped')
  t.equal((await runCli(['threat', 'feeds', 'add', join(files, 'osv.json')], env)).code, 0)

  const list = await runCli(['threat', 'feeds', 'list', '--json'], env)
  const feeds = JSON.parse(list.stdout) as Array<{ name: string, kind: string, records: number }>
  t.same(feeds.map(f => [f.kind, f.records]).sort(), [['malware', 1], ['osv', 1]])

  const again = await runCli(['threat', 'feeds', 'add', join(files, 'malware.txt'), '--name', 'local-list'], env)
  t.equal(again.code, 1)
  t.match(again.stderr, /FeedExistsError.*update/, 'adding twice names update')

  const clean = await runCli(['threat', 'scan', join(files, 'debian.tar.gz')], env)
  t.equal(clean.code, 0, clean.stderr)
  t.match(clean.stdout, /openssl \(Debian\)\s+3\.0\.9-1\s+DEBIAN-CVE-2023-5678\s+9\.8/, 'package, installed version, id, CVSS score from the vector')
  t.match(clean.stdout, /3\.0\.11-1~deb12u2/, 'the fixed version')
  t.match(clean.stdout, /no known malware/)

  const bad = await runCli(['threat', 'scan', join(files, 'eicar.tar.gz'), '--json'], env)
  t.equal(bad.code, 1, 'malware: exit 1')
  const scan = JSON.parse(bad.stdout) as { image: { malware: Array<{ path: string }>, score: number } }
  t.equal(scan.image.score, 1)
  t.equal(scan.image.malware[0]?.path, 'tmp/eicar.com')

  const updated = await runCli(['threat', 'feeds', 'update'], env)
  t.equal(updated.code, 0, updated.stderr)
  t.match(updated.stdout, /local-list\s+not-modified/)
  const removed = await runCli(['threat', 'feeds', 'remove', 'local-list'], env)
  t.match(removed.stdout, /removed feed local-list/)
  t.ok(OS_RELEASE.length > 0)
})

t.test('bad command lines say what is wrong', async t => {
  const data = await dataDir(t)
  const env = { SHOAL_DATA: data }
  for (const [argv, message] of [
    [['threat'], /threat needs a subcommand/],
    [['threat', 'bogus'], /unknown threat subcommand "bogus"/],
    [['threat', 'feeds', 'add'], /needs a SOURCE/],
    [['threat', 'score', 'abc'], /one blob digest/],
    [['threat', 'scan'], /takes one IMAGE-REF/]
  ] as const) {
    const r = await runCli([...argv], env)
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, message)
  }
  const missing = await runCli(['threat', 'scan', join(data, 'nope.tar')], env)
  t.equal(missing.code, 1)
  t.match(missing.stderr, /ScanTargetError/)
  const kind = await runCli(['threat', 'feeds', 'add', join(data, 'nope.json'), '--kind', 'weird'], env)
  t.equal(kind.code, 1)
  t.match(kind.stderr, /kind|weird/)
})
