import t from 'tap'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withThreatData } from '../../utils/shared-data.js'
import { zipBuffer } from '../../utils/zip-writer.js'
import { MemoryThreatLookup } from '../../../src/threat/lookup.js'
import { ThreatFeedStore, parseEpss, parseKev, parseMalwareList } from '../../../src/threat/feeds/index.js'
import { parseOsvRecord, type OsvRecord } from '../../../src/threat/osv/index.js'
import { EICAR, OSV_FIXTURES, allKeys, caught, fixture, fixtureJson, fixtureText, openTestStore, osvRecord, writeJson } from './helpers.js'

const test = withThreatData(t)

/** A directory holding the seven OSV fixtures, two of them nested, plus things a walk must ignore. */
async function osvDirectory (dir: string): Promise<string> {
  const root = join(dir, 'advisories')
  for (const [i, f] of OSV_FIXTURES.entries()) {
    const sub = i < 2 ? join(root, 'nested', 'deeper') : root
    await mkdir(sub, { recursive: true })
    await copyFile(fixture(f.file), join(sub, f.file))
  }
  await writeJson(join(root, '.git', 'objects.json'), { not: 'a record' })
  await writeFile(join(root, 'README.md'), '# not json')
  return root
}

const ids = (advisories: Array<{ record: OsvRecord }>): string[] => [...new Set(advisories.map(a => a.record.id))].sort()

test('each OSV fixture file is a feed of one record, found by its package key', async t => {
  const { store, lines } = await openTestStore(t)
  for (const f of OSV_FIXTURES) {
    const info = await store.add({ source: fixture(f.file) })
    t.equal(info.kind, 'osv', `${f.file}: sniffed as OSV`)
    t.equal(info.records, 1, `${f.file}: one record`)
    t.equal(info.skipped, 0)
    t.equal(info.date, new Date(fixtureJson(f.file).modified as string).toISOString(), 'the feed date is the record\'s modified')
    t.equal(info.name, f.file.replace(/\.json$/, '').toLowerCase(), 'named after the file')
    const found = await store.advisories(f.key)
    t.same(ids(found), [f.id], `${f.key} finds ${f.id}`)
  }
  t.equal(store.list().length, OSV_FIXTURES.length)
  t.equal(lines.filter(l => l.level === 'warn').length, 0, 'nothing skipped, nothing warned')

  const alpine = await store.advisories('Alpine/openssl')
  t.same(alpine.map(a => a.affected.ecosystem).sort(), ['Alpine:v3.3', 'Alpine:v3.4', 'Alpine:v3.5'], 'one advisory per affected release of the package')
  t.same(await store.advisories('PyPI/Gradio'), [], 'keys are recordKey-normalised; the raw name is not one')
  t.same(await store.advisories('npm/unknown'), [])
})

test('a directory of records, walked recursively; hidden directories and other files ignored', async t => {
  const { store, dir } = await openTestStore(t)
  const root = await osvDirectory(dir)
  const info = await store.add({ source: root, name: 'dir' })
  t.match(info, { name: 'dir', kind: 'osv', records: 7, skipped: 0, date: '2025-04-30T21:07:20.000Z', source: root })
  for (const f of OSV_FIXTURES) t.same(ids(await store.advisories(f.key)), [f.id])
})

test('the shared fixture directory as an OSV feed: its non-OSV JSON files are skipped with a reason', async t => {
  const { store, lines } = await openTestStore(t)
  const info = await store.add({ source: fixture(''), kind: 'osv', name: 'shared' })
  t.equal(info.records, OSV_FIXTURES.length, 'the seven OSV records')
  t.ok(info.skipped >= 5, `the KEV catalog, schemas, CVE 5 and NVD records are skipped (${info.skipped})`)
  const warned = lines.filter(l => l.msg === 'threat feed: record skipped')
  t.ok(warned.some(l => l.obj.where === 'kev-catalog-minimal.json' && /OSV schema/.test(String(l.obj.reason))), 'the warning names the file and the reason')
})

test('an OSV all.zip: deflated and stored entries, directories and non-JSON entries ignored', async t => {
  const { store, dir } = await openTestStore(t)
  const zip = join(dir, 'PyPI', 'all.zip')
  await mkdir(join(dir, 'PyPI'))
  await writeFile(zip, zipBuffer([
    ...OSV_FIXTURES.map((f, i) => ({ name: `${f.id}.json`, data: fixtureText(f.file), method: i % 2 === 0 ? 'deflate' as const : 'store' as const })),
    { name: 'docs/', data: '' },
    { name: 'README.txt', data: 'not a record' }
  ]))
  const info = await store.add({ source: zip })
  t.match(info, { name: 'osv-pypi', kind: 'osv', records: 7, skipped: 0 }, 'named osv-<ecosystem> after OSV\'s export layout')
  for (const f of OSV_FIXTURES) t.same(ids(await store.advisories(f.key)), [f.id])
})

test('KEV, malware lists and EPSS: lookups and the feeds\' own dates', async t => {
  const { store } = await openTestStore(t)
  const kev = await store.add({ source: fixture('kev-catalog-minimal.json') })
  t.match(kev, { name: 'kev-catalog-minimal', kind: 'kev', records: 6, skipped: 0, date: '2025-08-25T17:04:19.979Z' })
  const csv = await store.add({ source: fixture('malwarebazaar-export.example.csv') })
  t.match(csv, { kind: 'malware', records: 1, skipped: 1, date: '2026-01-01T00:00:00.000Z' }, 'the all-zero placeholder row is skipped')
  const txt = await store.add({ source: fixture('malwarebazaar-sha256.example.txt') })
  t.match(txt, { kind: 'malware', records: 1, skipped: 0, date: '2026-01-01T00:00:00.000Z' })
  const epss = await store.add({ source: fixture('epss-scores.example.csv') })
  t.match(epss, { kind: 'epss', records: 5, date: '2025-02-20T00:00:00.000Z' })

  t.same(await store.kev(['CVE-2021-44228', 'CVE-2014-6271', 'CVE-1999-0001']), new Set(['CVE-2021-44228', 'CVE-2014-6271']))
  t.same(await store.kev([]), new Set())
  t.same(await store.epss(['CVE-1999-0005', 'CVE-1999-0001', 'CVE-2030-0001']), new Map([['CVE-1999-0005', 0.91963], ['CVE-1999-0001', 0.00383]]))
  const found = await store.malware([EICAR, '0'.repeat(63) + '1'])
  t.same([...found.keys()], [EICAR])
  t.same(found.get(EICAR), { sha256: EICAR, signature: 'EICAR-Test-File', fileName: 'eicar.com' }, 'the list that names the malware wins over the bare hash list')
})

test('the same record in two feeds is returned once, the latest modified', async t => {
  const { store, dir } = await openTestStore(t)
  const requests = OSV_FIXTURES[6]
  const newer = { ...fixtureJson(requests.file), modified: '2030-01-01T00:00:00Z', summary: 'newer copy' }
  await writeJson(join(dir, 'newer', 'requests.json'), newer)
  await store.add({ source: join(dir, 'newer'), name: 'newer' })
  await store.add({ source: fixture(requests.file), name: 'older' })
  const found = await store.advisories(requests.key)
  t.equal(found.length, 1)
  t.equal(found[0]?.record.summary, 'newer copy')
  await store.remove('newer')
  t.equal((await store.advisories(requests.key))[0]?.record.modified, '2023-06-05T01:13:00.534973Z', 'with the newer feed gone, the other copy shows')
})

test('answers as MemoryThreatLookup does from the same feeds', async t => {
  const { store } = await openTestStore(t)
  const records = OSV_FIXTURES.map(f => parseOsvRecord(fixtureJson(f.file)))
  for (const f of OSV_FIXTURES) await store.add({ source: fixture(f.file) })
  for (const f of ['kev-catalog-minimal.json', 'epss-scores.example.csv', 'malwarebazaar-export.example.csv']) await store.add({ source: fixture(f) })
  const memory = new MemoryThreatLookup({
    records,
    kev: parseKev(fixtureText('kev-catalog-minimal.json')).entries.map(e => e.cveID),
    epss: new Map([...parseEpss(fixtureText('epss-scores.example.csv')).scores].map(([id, s]) => [id, s.epss])),
    malware: parseMalwareList(fixtureText('malwarebazaar-export.example.csv')).hashes
  })
  const byAffected = (list: Array<{ record: OsvRecord, affected: { ecosystem: string } }>): string[] => list.map(a => `${a.record.id} ${a.affected.ecosystem}`).sort()
  for (const f of OSV_FIXTURES) t.same(byAffected(await store.advisories(f.key)), byAffected(await memory.advisories(f.key)), f.key)
  t.same((await store.advisories(OSV_FIXTURES[0].key))[0]?.record, records[0], 'the record itself, as parsed')
  const cves = ['CVE-2021-44228', 'CVE-1999-0005', 'CVE-2023-32681', 'CVE-2030-1']
  t.same(await store.kev(cves), await memory.kev(cves))
  t.same(await store.epss(cves), await memory.epss(cves))
  t.same(await store.malware([EICAR]), await memory.malware([EICAR]))
})

test('generation changes with contents, survives a reopen; remove deletes every key of a feed', async t => {
  const h = await openTestStore(t)
  const g0 = await h.store.generation()
  await h.store.add({ source: fixture(OSV_FIXTURES[0].file), name: 'alpine' })
  await h.store.add({ source: fixture('kev-catalog-minimal.json'), name: 'kev' })
  const g1 = await h.store.generation()
  t.not(g1, g0, 'an add changes the generation')
  const before = h.store.list()
  await h.reopen()
  t.same(h.store.list(), before, 'the feeds survive a reopen')
  t.equal(await h.store.generation(), g1, 'so does the generation')
  t.same(ids(await h.store.advisories(OSV_FIXTURES[0].key)), [OSV_FIXTURES[0].id])
  t.same(await h.store.kev(['CVE-2021-44228']), new Set(['CVE-2021-44228']))

  await h.store.remove('alpine')
  await h.store.remove('kev')
  t.not(await h.store.generation(), g1, 'a removal changes it')
  t.same(await h.store.advisories(OSV_FIXTURES[0].key), [])
  t.same(await h.store.kev(['CVE-2021-44228']), new Set())
  await h.store.close()
  t.same(await allKeys(h.path), ['s'], 'only the store\'s own key is left')
})

test('typed errors: existing name, unknown feed, bad options, unreadable or unknown sources, closed store', async t => {
  const { store, dir } = await openTestStore(t)
  await store.add({ source: fixture('kev-catalog-minimal.json'), name: 'kev' })
  const exists = await caught(store.add({ source: fixture('kev-catalog-minimal.json'), name: 'kev' }))
  t.match(exists, { name: 'FeedExistsError', feed: 'kev', message: /use update/ })
  t.match(await caught(store.update({ name: 'nope' })), { name: 'UnknownFeedError', message: /"nope"/ })
  t.match(await caught(store.remove('nope')), { name: 'UnknownFeedError' })
  t.match(await caught(store.add({ source: fixture('kev-catalog-minimal.json'), kind: 'cve' as 'kev' })), { name: 'InvalidFeedOptionError', message: /osv, kev, malware, epss/ })
  t.match(await caught(store.add({ source: fixture('kev-catalog-minimal.json'), name: '../etc' })), { name: 'InvalidFeedOptionError', message: /letters, digits/ })
  t.match(await caught(store.add({ source: fixture('kev-catalog-minimal.json'), nmae: 'x' } as never)), { name: 'InvalidFeedOptionError', message: /unknown option "nmae"/ })
  t.match(await caught(store.add({ source: 'ftp://example.com/x.json' })), { name: 'InvalidFeedOptionError', message: /http\(s\)/ })
  const missing = join(dir, 'missing.json')
  t.match(await caught(store.add({ source: missing })), { name: 'FeedSourceError', source: missing, message: /no such file/ })
  await writeFile(join(dir, 'prose.txt'), 'Just some words.\nNothing here.\n')
  t.match(await caught(store.add({ source: join(dir, 'prose.txt') })), { name: 'FeedSourceError', message: /give its kind/ })
  t.match(await caught(store.add({ source: fixture('epss-scores.example.csv'), kind: 'kev', name: 'wrong' })), { name: 'FeedSourceError', message: /epss-scores\.example\.csv: the KEV catalog is not JSON/ })
  t.match(await caught(store.add({ source: fixture('kev-catalog-minimal.json'), kind: 'epss', name: 'wrong' })), { name: 'FeedSourceError', message: /not an EPSS CSV/ })
  t.equal(store.list().length, 1, 'failed adds leave no feed')
  t.match(await caught(ThreatFeedStore.open({ path: '' })), { name: 'InvalidFeedOptionError', message: /path is required/ })
  t.match(await caught(ThreatFeedStore.open({ path: join(dir, 'x'), dir: 'y' } as never)), { name: 'InvalidFeedOptionError', message: /unknown option "dir"/ })
  await store.close()
  await store.close()
  t.throws(() => store.list(), { name: 'FeedStoreClosedError' })
  t.match(await caught(store.advisories('npm/x')), { name: 'FeedStoreClosedError' })
})

test('records that fail the schema or the parser, or are not JSON, are counted, warned about and skipped', async t => {
  const { store, dir, lines } = await openTestStore(t)
  const root = join(dir, 'mixed')
  await writeJson(join(root, 'good.json'), osvRecord('GHSA-good-0000-0001', 'left-pad'))
  await writeJson(join(root, 'bad-id.json'), osvRecord('NOPE-1', 'left-pad'))
  await writeJson(join(root, 'no-name.json'), osvRecord('GHSA-bad0-0000-0002', ''))
  await writeFile(join(root, 'truncated.json'), JSON.stringify(osvRecord('GHSA-bad0-0000-0003', 'x')).slice(0, 40))
  const info = await store.add({ source: root, name: 'mixed' })
  t.match(info, { records: 1, skipped: 3 })
  const reasons = Object.fromEntries(lines.filter(l => l.msg === 'threat feed: record skipped').map(l => [l.obj.where, l.obj.reason]))
  t.match(reasons['bad-id.json (NOPE-1)'], /OSV schema: record\/id does not match/)
  t.match(reasons['no-name.json (GHSA-bad0-0000-0002)'], /package\.name must be a non-empty string/)
  t.match(reasons['truncated.json'], /not JSON/)
  t.same(ids(await store.advisories('npm/left-pad')), ['GHSA-good-0000-0001'])
})
