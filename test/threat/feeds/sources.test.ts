import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withThreatData } from '../../utils/shared-data.js'
import { zipBuffer } from '../../utils/zip-writer.js'
import { checkFeedName, defaultFeedName, parseSource, sniffKind } from '../../../src/threat/feeds/sources.js'
import { feedDate } from '../../../src/threat/feeds/sources-lists.js'
import { zipJsonEntries } from '../../../src/threat/feeds/sources-zip.js'
import { MAX_RECORD_BYTES } from '../../../src/threat/feeds/constants.js'
import { OSV_FIXTURES, caught, fixture } from './helpers.js'

const test = withThreatData(t)

t.test('sources: paths, file: URLs and http(s) URLs; nothing else', async t => {
  t.same(parseSource('https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip'), { type: 'url', url: 'https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip' })
  t.same(parseSource('file:///data/kev.json'), { type: 'path', path: '/data/kev.json' })
  t.same(parseSource('/data/../data/kev.json'), { type: 'path', path: '/data/kev.json' })
  t.equal(parseSource('relative/x.json').type, 'path')
  t.throws(() => parseSource('s3://bucket/all.zip'), { name: 'InvalidFeedOptionError' })
  t.throws(() => parseSource('http://'), { name: 'InvalidFeedOptionError' })
  t.throws(() => parseSource(''), { name: 'InvalidFeedOptionError' })
})

t.test('default feed names', async t => {
  const name = (s: string): string => defaultFeedName(parseSource(s))
  t.equal(name('https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip'), 'osv-pypi')
  t.equal(name('https://osv-vulnerabilities.storage.googleapis.com/Debian%3A12/all.zip'), 'osv-debian-12')
  t.equal(name('/data/osv/Alpine/all.zip'), 'osv-alpine')
  t.equal(name('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'), 'known_exploited_vulnerabilities')
  t.equal(name('https://epss.cyentia.com/'), 'epss.cyentia.com')
  t.equal(name('/data/advisories/'), 'advisories')
  t.equal(name('/data/__weird name!.csv'), 'weird-name-')
  t.equal(name('/data/' + 'x'.repeat(100) + '.txt').length, 64)
  for (const n of ['osv-pypi', 'known_exploited_vulnerabilities', 'a', 'A.b_c-1']) t.equal(checkFeedName(n), n)
  for (const n of ['', '-x', '.x', 'a/b', 'a b', 'x'.repeat(65), 3]) t.throws(() => checkFeedName(n), { name: 'InvalidFeedOptionError' }, String(n))
})

t.test('feed dates as ISO 8601 UTC', async t => {
  t.equal(feedDate('2026-01-01 00:00:00'), '2026-01-01T00:00:00.000Z', 'MalwareBazaar, UTC')
  t.equal(feedDate('2025-02-20T00:00:00+0000'), '2025-02-20T00:00:00.000Z', 'EPSS')
  t.equal(feedDate('2025-02-20T02:00:00+0200'), '2025-02-20T00:00:00.000Z')
  t.equal(feedDate('2025-08-25T17:04:19.9796Z'), '2025-08-25T17:04:19.979Z', 'KEV')
  t.equal(feedDate('yesterday'), undefined)
  t.equal(feedDate(''), undefined)
})

test('kinds sniffed from the first bytes of every fixture', async t => {
  const kind = async (file: string): Promise<string> => await sniffKind({ path: fixture(file), isDirectory: false }, file)
  for (const f of OSV_FIXTURES) t.equal(await kind(f.file), 'osv', f.file)
  t.equal(await kind('kev-catalog-minimal.json'), 'kev')
  t.equal(await kind('epss-scores.example.csv'), 'epss')
  t.equal(await kind('malwarebazaar-export.example.csv'), 'malware')
  t.equal(await kind('malwarebazaar-sha256.example.txt'), 'malware')
  t.equal(await sniffKind({ path: fixture(''), isDirectory: true }, 'dir'), 'osv')
  const dir = t.testdir({
    'all.zip': zipBuffer([{ name: 'a.json', data: '{}' }]),
    'plain.txt': `${'ab'.repeat(32)}\n${'cd'.repeat(32)}\n`,
    'epss-no-comment.csv': 'cve,epss,percentile\nCVE-2024-0001,0.1,0.2\n',
    'bom.json': '\uFEFF  {"catalogVersion": "1", "vulnerabilities": []}',
    'prose.txt': 'hello'
  })
  const sniff = async (f: string): Promise<string> => await sniffKind({ path: join(dir, f), isDirectory: false }, f)
  t.equal(await sniff('all.zip'), 'osv')
  t.equal(await sniff('plain.txt'), 'malware')
  t.equal(await sniff('epss-no-comment.csv'), 'epss')
  t.equal(await sniff('bom.json'), 'kev')
  t.match(await caught(sniff('prose.txt')), { name: 'FeedSourceError', message: /prose\.txt: cannot tell what kind/ })
})

t.test('zip entries: ZIP64 end records, skipped entries, sizes that lie', async t => {
  const dir = t.testdir()
  const big = join(dir, 'big.zip')
  const n = 3000
  // the end records an export of over 65,535 records has (yauzl then reads the counts from the ZIP64 record)
  await writeFile(big, zipBuffer(Array.from({ length: n }, (_, i) => ({ name: `${i}.json`, data: `{"i":${i}}`, method: 'store' as const })), { zip64: true }))
  let count = 0
  let last = ''
  for await (const e of zipJsonEntries(big, big)) {
    count++
    if ('data' in e) last = e.data.toString()
  }
  t.equal(count, n, 'every entry')
  t.equal(last, `{"i":${n - 1}}`)

  const odd = join(dir, 'odd.zip')
  await writeFile(odd, zipBuffer([
    { name: 'dir/', data: '' },
    { name: 'notes.md', data: 'x' },
    { name: 'UPPER.JSON', data: '{"a":1}' },
    { name: 'huge.json', data: Buffer.alloc(MAX_RECORD_BYTES + 1, 0x20), method: 'deflate' }
  ]))
  const items = []
  for await (const e of zipJsonEntries(odd, odd)) items.push('data' in e ? [e.name, e.data.toString()] : [e.name, e.skipped])
  t.same(items, [['UPPER.JSON', '{"a":1}'], ['huge.json', `${MAX_RECORD_BYTES + 1} bytes, over MAX_RECORD_BYTES ${MAX_RECORD_BYTES}`]])

  const liar = join(dir, 'liar.zip')
  const good = zipBuffer([{ name: 'a.json', data: '{"a":1}', method: 'store' }])
  // the central directory's size fields (compressed at 20, uncompressed at 24) claim one byte less
  const cd = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
  const lying = Buffer.from(good)
  lying.writeUInt32LE(6, cd + 20)
  lying.writeUInt32LE(6, cd + 24)
  await writeFile(liar, lying)
  t.match(await caught((async () => { for await (const _ of zipJsonEntries(liar, liar)) { /* drain */ } })()), { name: 'FeedSourceError', message: /CRC-32|declares/ })
})
