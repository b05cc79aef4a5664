import t from 'tap'
import { copyFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withThreatData } from '../../utils/shared-data.js'
import { zipBuffer, type ZipEntrySpec } from '../../utils/zip-writer.js'
import { OSV_FIXTURES, allKeys, caught, fixture, fixtureJson, fixtureText, openTestStore, osvRecord, writeJson } from './helpers.js'

const test = withThreatData(t)

const [alpine, apparmor, nginx, formidable, gradio, malicious, requests] = OSV_FIXTURES

async function fixtureDirectory (dir: string): Promise<string> {
  const root = join(dir, 'osv')
  await mkdir(root, { recursive: true })
  for (const f of OSV_FIXTURES) await copyFile(fixture(f.file), join(root, f.file))
  return root
}

test('incremental OSV update: changed, removed, withdrawn, added, moved to another package', async t => {
  const h = await openTestStore(t)
  const root = await fixtureDirectory(h.dir)
  await h.store.add({ source: root, name: 'osv' })
  const g0 = await h.store.generation()

  const [notModified] = await h.store.update({ name: 'osv' })
  t.match(notModified, { name: 'osv', status: 'not-modified', added: 0, changed: 0, removed: 0, unchanged: 0 })
  t.equal(await h.store.generation(), g0, 'a source that did not change leaves the generation')

  await utimes(join(root, nginx.file), new Date(), new Date('2031-01-01'))
  const [touched] = await h.store.update({ name: 'osv' })
  t.match(touched, { status: 'unchanged', added: 0, changed: 0, removed: 0, unchanged: 7 }, 'a touched file is read; no record changed')
  t.equal(await h.store.generation(), g0, 'still the same generation')

  await writeJson(join(root, requests.file), { ...fixtureJson(requests.file), modified: '2031-01-01T00:00:00Z', summary: 'changed' })
  await rm(join(root, gradio.file))
  await writeJson(join(root, malicious.file), { ...fixtureJson(malicious.file), modified: '2031-01-01T00:00:00Z', withdrawn: '2031-01-01T00:00:00Z' })
  await writeJson(join(root, 'new.json'), osvRecord('GHSA-new0-0000-0001', 'left-pad'))
  const moved: Record<string, unknown> = { ...fixtureJson(formidable.file), modified: '2031-01-02T00:00:00Z' }
  for (const a of moved.affected as Array<{ package: { name: string } }>) a.package.name = 'formidable-fork'
  await writeJson(join(root, formidable.file), moved)

  const [result] = await h.store.update({ name: 'osv' })
  t.match(result, { status: 'updated', added: 1, changed: 2, removed: 2, unchanged: 3, withdrawn: 1, skipped: 0 })
  t.match(result?.feed, { records: 6, date: '2031-01-02T00:00:00.000Z' })
  const g1 = await h.store.generation()
  t.not(g1, g0, 'the generation changed')

  t.equal((await h.store.advisories(requests.key))[0]?.record.summary, 'changed', 'the changed record is served')
  t.same(await h.store.advisories(gradio.key), [], 'the record gone from the source is gone')
  t.same(await h.store.advisories(malicious.key), [], 'the withdrawn record is gone')
  t.equal((await h.store.advisories('npm/left-pad')).length, 1, 'the new record is there')
  t.same(await h.store.advisories(formidable.key), [], 'the record no longer affecting formidable is not under it')
  t.equal((await h.store.advisories('npm/formidable-fork'))[0]?.record.id, formidable.id, 'but under its new package')
  t.equal((await h.store.advisories(alpine.key)).length, 3, 'unchanged records stay')

  await h.reopen()
  t.equal(await h.store.generation(), g1, 'a reopen keeps the generation')
  t.match(h.store.list()[0], { name: 'osv', records: 6 })
  t.equal((await h.store.advisories(apparmor.key)).length, 2)
})

test('the updatedAt/checkedAt clock, and update of every feed at once', async t => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  const h = await openTestStore(t, { now: () => now })
  const dir = join(h.dir, 'lists')
  await mkdir(dir)
  await copyFile(fixture('kev-catalog-minimal.json'), join(dir, 'kev.json'))
  await copyFile(fixture('epss-scores.example.csv'), join(dir, 'epss.csv'))
  await h.store.add({ source: join(dir, 'kev.json') })
  await h.store.add({ source: join(dir, 'epss.csv') })
  now += 1000
  const kev = JSON.parse(fixtureText('kev-catalog-minimal.json')) as { dateReleased: string, vulnerabilities: Array<{ cveID: string, product: string }> }
  kev.dateReleased = '2030-01-01T00:00:00.000Z'
  kev.vulnerabilities = kev.vulnerabilities.filter(v => v.cveID !== 'CVE-2014-6271')
  kev.vulnerabilities[0]!.product = 'changed'
  await writeJson(join(dir, 'kev.json'), kev)
  const results = await h.store.update()
  t.same(results.map(r => [r.name, r.status]), [['epss', 'not-modified'], ['kev', 'updated']])
  t.match(results[1], { added: 0, changed: 1, removed: 1, unchanged: 4 })
  t.match(results[1]?.feed, { date: '2030-01-01T00:00:00.000Z', addedAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:01.000Z', checkedAt: '2030-01-01T00:00:01.000Z', records: 5 })
  t.match(results[0]?.feed, { updatedAt: '2030-01-01T00:00:00.000Z', checkedAt: '2030-01-01T00:00:01.000Z' }, 'checked, not changed')
  t.same(await h.store.kev(['CVE-2014-6271']), new Set(), 'the entry gone from the catalog is gone')

  await rm(join(dir, 'epss.csv'))
  const partial = await h.store.update()
  t.same(partial.map(r => [r.name, r.status]), [['epss', 'failed'], ['kev', 'not-modified']], 'one failure does not stop the others')
  t.match(partial[0]?.error, { name: 'FeedSourceError', message: /no such file/ })
  t.equal(h.lines.filter(l => l.level === 'error' && l.obj.feed === 'epss').length, 1, 'and is logged')
  t.match(await caught(h.store.update({ name: 'epss' })), { name: 'FeedSourceError' }, 'updating that one feed throws')
  t.equal((await h.store.epss(['CVE-1999-0005'])).get('CVE-1999-0005'), 0.91963, 'the stored scores stay')
})

test('a truncated or damaged zip, or truncated JSON, fails with a clear error and leaves the stored feed', async t => {
  const h = await openTestStore(t)
  const zipPath = join(h.dir, 'all.zip')
  const entries: ZipEntrySpec[] = OSV_FIXTURES.map(f => ({ name: `${f.id}.json`, data: fixtureText(f.file) }))
  const good = zipBuffer(entries)
  await writeFile(zipPath, good)
  await h.store.add({ source: zipPath, name: 'zip' })
  const before = { list: h.store.list(), generation: await h.store.generation(), requests: await h.store.advisories(requests.key) }
  const intact = async (what: string): Promise<void> => {
    t.same(h.store.list().map(f => [f.name, f.records, f.updatedAt]), before.list.map(f => [f.name, f.records, f.updatedAt]), `${what}: feed unchanged`)
    t.equal(await h.store.generation(), before.generation, `${what}: generation unchanged`)
    t.same(await h.store.advisories(requests.key), before.requests, `${what}: records still served`)
  }

  await writeFile(zipPath, good.subarray(0, good.length - 30))
  t.match(await caught(h.store.update({ name: 'zip' })), { name: 'FeedSourceError', source: zipPath, message: /not a readable zip \(truncated or damaged\?\)/ })
  await intact('truncated zip')

  const changed = entries.map(e => e.name === `${requests.id}.json` ? { ...e, data: JSON.stringify({ ...fixtureJson(requests.file), modified: '2031-01-01T00:00:00Z' }) } : e)
  const damaged = changed.map((e, i) => i === changed.length - 1 ? { ...e, crcDelta: 1 } : e)
  await writeFile(zipPath, zipBuffer(damaged))
  t.match(await caught(h.store.update({ name: 'zip' })), { name: 'FeedSourceError', message: /CRC-32 does not match/ })
  await intact('a damaged entry after a changed one')

  const cut = zipBuffer(changed)
  await writeFile(zipPath, Buffer.concat([cut.subarray(0, 200), Buffer.alloc(50), cut.subarray(250)]))
  t.match(await caught(h.store.update({ name: 'zip' })), { name: 'FeedSourceError' })
  await intact('bytes overwritten inside an entry')

  const single = join(h.dir, 'one.json')
  await copyFile(fixture(requests.file), single)
  await h.store.add({ source: single, name: 'one' })
  await writeFile(single, fixtureText(requests.file).slice(0, 500))
  t.match(await caught(h.store.update({ name: 'one' })), { name: 'FeedSourceError', source: single, message: /not JSON \(truncated\?\)/ })
  t.equal(h.store.list().find(f => f.name === 'one')?.records, 1, 'truncated JSON: feed unchanged')

  await writeFile(join(h.dir, 'bad.zip'), good.subarray(0, 100))
  t.match(await caught(h.store.add({ source: join(h.dir, 'bad.zip'), name: 'bad' })), { name: 'FeedSourceError' })
  t.same(h.store.list().map(f => f.name), ['one', 'zip'], 'a failed add adds nothing')

  await writeFile(zipPath, zipBuffer(changed))
  t.match((await h.store.update({ name: 'zip' }))[0], { status: 'updated', changed: 1, unchanged: 6 }, 'once the source is whole again, the update goes through')
})

test('an abort stops an update before its commit and leaves the feed', async t => {
  const controller = new AbortController()
  const h = await openTestStore(t, {}, line => { if (line.msg === 'threat feed: record skipped') controller.abort(new Error('stop')) })
  const zipPath = join(h.dir, 'all.zip')
  const records = Array.from({ length: 1200 }, (_, i) => ({ name: `r${i}.json`, data: JSON.stringify(osvRecord(`GHSA-test-0000-${i}`, `pkg-${i}`)) }))
  await writeFile(zipPath, zipBuffer(records))
  await h.store.add({ source: zipPath, name: 'zip' })
  const g = await h.store.generation()
  // the changes come first, then a bad record whose warning aborts
  const changed = records.map(r => ({ ...r, data: r.data.replace('2024-01-01', '2025-01-01') }))
  await writeFile(zipPath, zipBuffer([...changed.slice(0, 1000), { name: 'bad.json', data: '{' }, ...changed.slice(1000)]))
  const err = await caught(h.store.update({ name: 'zip', signal: controller.signal }))
  t.match(err, { message: 'stop' }, 'the abort reason is thrown')
  t.equal(await h.store.generation(), g)
  t.equal((await h.store.advisories('npm/pkg-1'))[0]?.record.modified, '2024-01-01T00:00:00Z', 'no staged change leaked into the feed')
  t.match(await caught(h.store.update({ name: 'zip', signal: AbortSignal.abort(new Error('before')) })), { message: 'before' })
  const [result] = await h.store.update({ name: 'zip' })
  t.match(result, { status: 'updated', changed: 1200, skipped: 1 }, 'the next update applies the whole change')
})

test('an abort during an add leaves no feed and no keys', async t => {
  const controller = new AbortController()
  const h = await openTestStore(t, {}, line => { if (line.msg === 'threat feed: record skipped') controller.abort(new Error('stop')) })
  const zipPath = join(h.dir, 'all.zip')
  const records = Array.from({ length: 1200 }, (_, i) => ({ name: `r${i}.json`, data: JSON.stringify(osvRecord(`GHSA-test-0000-${i}`, `pkg-${i}`)) }))
  await writeFile(zipPath, zipBuffer([...records.slice(0, 1000), { name: 'bad.json', data: '{' }, ...records.slice(1000)]))
  t.match(await caught(h.store.add({ source: zipPath, name: 'zip', signal: controller.signal })), { message: 'stop' })
  t.same(h.store.list(), [])
  t.same(await h.store.advisories('npm/pkg-1'), [], 'the entries written before the abort are not served')
  await h.store.close()
  t.same(await allKeys(h.path), ['s'], 'and were deleted')
})
