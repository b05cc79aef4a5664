import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { withThreatData } from '../../utils/shared-data.js'
import { zipBuffer } from '../../utils/zip-writer.js'
import { OSV_FIXTURES, caught, fixtureText, openTestStore } from './helpers.js'

const test = withThreatData(t)

interface Served { body: Buffer | string, etag?: string, lastModified?: string }

/** A feed server on loopback: `files` can be changed between requests; every request is recorded. */
async function feedServer (t: Test, files: Map<string, Served>): Promise<{ base: string, requests: Array<{ path: string, headers: IncomingMessage['headers'] }> }> {
  const requests: Array<{ path: string, headers: IncomingMessage['headers'] }> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/'
    requests.push({ path, headers: req.headers })
    if (path === '/hang') return // never answers
    const f = files.get(path)
    if (f == null) { res.writeHead(404).end('not found'); return }
    if (f.etag != null && req.headers['if-none-match'] === f.etag) { res.writeHead(304).end(); return }
    if (f.etag == null && f.lastModified != null && req.headers['if-modified-since'] === f.lastModified) { res.writeHead(304).end(); return }
    res.writeHead(200, { ...(f.etag != null ? { etag: f.etag } : {}), ...(f.lastModified != null ? { 'last-modified': f.lastModified } : {}) })
    res.end(f.body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    server.closeAllConnections()
    server.close()
  })
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

test('http sources: ETag and Last-Modified conditional GETs, a 304 is not modified', async t => {
  const kev = fixtureText('kev-catalog-minimal.json')
  const files = new Map<string, Served>([
    ['/feeds/kev.json', { body: kev, etag: '"v1"' }],
    ['/PyPI/all.zip', { body: zipBuffer(OSV_FIXTURES.map(f => ({ name: `${f.id}.json`, data: fixtureText(f.file) }))), lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' }],
    ['/plain/epss.csv', { body: fixtureText('epss-scores.example.csv') }]
  ])
  const { base, requests } = await feedServer(t, files)
  const h = await openTestStore(t)

  t.match(await h.store.add({ source: `${base}/feeds/kev.json` }), { name: 'kev', kind: 'kev', records: 6, source: `${base}/feeds/kev.json` })
  t.match(await h.store.add({ source: `${base}/PyPI/all.zip` }), { name: 'osv-pypi', kind: 'osv', records: 7 }, 'an all.zip by URL, sniffed and named')
  t.match(await h.store.add({ source: `${base}/plain/epss.csv` }), { name: 'epss', kind: 'epss', records: 5 })
  t.equal((await h.store.advisories(OSV_FIXTURES[6].key)).length, 1)
  const g = await h.store.generation()
  requests.length = 0

  const results = await h.store.update()
  t.same(results.map(r => [r.name, r.status]), [['epss', 'not-modified'], ['kev', 'not-modified'], ['osv-pypi', 'not-modified']])
  t.equal(await h.store.generation(), g, 'the generation stays')
  const header = (path: string, name: string): unknown => requests.find(r => r.path === path)?.headers[name]
  t.equal(header('/feeds/kev.json', 'if-none-match'), '"v1"', 'the ETag went back')
  t.equal(header('/PyPI/all.zip', 'if-modified-since'), 'Mon, 01 Jan 2024 00:00:00 GMT', 'so did Last-Modified')
  t.equal(header('/plain/epss.csv', 'if-none-match'), undefined, 'no validators, nothing conditional: the body is downloaded and its sha256 compared')

  const changed = JSON.parse(kev) as { vulnerabilities: Array<{ cveID: string }> }
  changed.vulnerabilities = changed.vulnerabilities.slice(1)
  files.set('/feeds/kev.json', { body: JSON.stringify(changed), etag: '"v2"' })
  const [updated] = await h.store.update({ name: 'kev' })
  t.match(updated, { status: 'updated', removed: 1, unchanged: 5 })
  t.not(await h.store.generation(), g)
  const [again] = await h.store.update({ name: 'kev' })
  t.equal(again?.status, 'not-modified', 'the new ETag is the one sent next')

  files.delete('/feeds/kev.json')
  t.match(await caught(h.store.update({ name: 'kev' })), { name: 'FeedSourceError', source: `${base}/feeds/kev.json`, message: /HTTP 404/ })
  t.equal(h.store.list().find(f => f.name === 'kev')?.records, 5, 'a 404 leaves the feed')
  t.same(await readdir(`${h.path}.download`), [], 'no download left behind')
})

test('http sources: a server that does not answer is given up on when the signal aborts', async t => {
  const { base } = await feedServer(t, new Map())
  const h = await openTestStore(t)
  const err = await caught(h.store.add({ source: `${base}/hang`, kind: 'kev', signal: AbortSignal.timeout(200) }))
  t.equal(err.name, 'TimeoutError')
  t.same(h.store.list(), [])
  t.match(await caught(h.store.add({ source: `${base}/nothing.json` })), { name: 'FeedSourceError', message: /HTTP 404/ })
})
