import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { formatTraceCsv, formatTraceRow, parseTrace, readTraceFile, Rng, TRACE_CSV_HEADER, writeTraceFile } from '../../../src/predict/trace/index.js'
import type { TraceRequest } from '../../../src/predict/types.js'

t.test('format then parse gives the requests back, quoting what needs it', async t => {
  const requests: TraceRequest[] = [
    { tsMs: 1_700_000_000_000, client: 'host, "one"', blob: 'sha256:aa', bytes: 512, repo: 'library/nginx', region: 'eu-west', kind: 'manifest' },
    { tsMs: 1_700_000_000_001.5, client: 'two\nlines', blob: 'sha256:bb', bytes: 2 ** 40, kind: 'blob' },
    { tsMs: -3, client: 'c', blob: 'x"y', bytes: 1, repo: 'r', kind: 'blob' },
    { tsMs: 1e21, client: 'd\re', blob: 'é', bytes: 7, region: 'ap', kind: 'blob' }
  ]
  const csv = formatTraceCsv(requests)
  t.equal(csv.split('\n')[0], TRACE_CSV_HEADER)
  t.equal(TRACE_CSV_HEADER, 'ts_ms,client,blob,bytes,repo,region,kind')
  t.equal(formatTraceRow(requests[0]!), '1700000000000,"host, ""one""",sha256:aa,512,library/nginx,eu-west,manifest\n')
  const back = parseTrace(csv)
  t.same(back.requests, [...requests].sort((a, b) => a.tsMs - b.tsMs))
  t.equal(back.skipped, 0)
})

t.test('round trip on seeded random requests', async t => {
  const seed = Number(process.env.SHOAL_TEST_SEED ?? Date.now() % 1_000_000)
  t.comment(`seed ${seed} (replay with SHOAL_TEST_SEED=${seed})`)
  const rng = new Rng(seed)
  const chars = 'ab,"\n\r é-/:'
  const word = (): string => {
    let w = ''
    for (let n = 1 + rng.int(8); w.length < n;) w += chars[rng.int(chars.length)]
    return w.trim() === '' ? 'w' : w.trim()
  }
  let tsMs = 0
  const requests: TraceRequest[] = Array.from({ length: 2000 }, () => {
    tsMs += rng.int(3)
    const r: TraceRequest = { tsMs, client: word(), blob: word(), bytes: 1 + rng.int(1e9), kind: rng.float() < 0.3 ? 'manifest' : 'blob' }
    if (rng.float() < 0.7) r.repo = word()
    if (rng.float() < 0.7) r.region = word()
    return r
  })
  const back = parseTrace(formatTraceCsv(requests))
  t.equal(back.skipped, 0, `seed ${seed}`)
  t.equal(JSON.stringify(back.requests), JSON.stringify(requests), `seed ${seed}: the same requests, in the same order`)
})

t.test('a request that would not read back the same is refused, naming it and the field', async t => {
  const ok: TraceRequest = { tsMs: 1, client: 'a', blob: 'b', bytes: 1, kind: 'blob' }
  const cases: Array<[Partial<TraceRequest> & Record<string, unknown>, RegExp]> = [
    [{ client: '' }, /request 1: client is empty/],
    [{ blob: ' b' }, /request 1: blob " b" has surrounding white space/],
    [{ bytes: 0 }, /request 1: bytes 0 is not a whole number > 0/],
    [{ bytes: 1.5 }, /bytes 1.5/],
    [{ tsMs: NaN }, /tsMs NaN is not a finite number/],
    [{ kind: 'layer' as never }, /kind "layer" is not 'manifest' or 'blob'/],
    [{ repo: 7 as never }, /repo is not a string/],
    [{ region: 'x'.repeat(2000) }, /region is 2000 characters, more than a reader takes \(1024\)/]
  ]
  for (const [change, message] of cases) {
    t.throws(() => formatTraceCsv([ok, { ...ok, ...change } as TraceRequest]), { name: 'InvalidTraceRequestError', message }, JSON.stringify(change).slice(0, 60))
  }
})

t.test('writeTraceFile streams to a temporary file and renames it; on failure it leaves nothing', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-trace-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const requests: TraceRequest[] = Array.from({ length: 30_000 }, (_x, i) => ({ tsMs: i, client: `c${i % 9}`, blob: `sha256:${i % 400}`, bytes: 100 + i, region: 'eu', kind: 'blob' }))
  async function * slowly (): AsyncGenerator<TraceRequest> { for (const r of requests) yield r }
  const file = join(dir, 'out.csv')
  const written = await writeTraceFile(file, slowly())
  t.equal(written.rows, 30_000)
  const text = await readFile(file, 'utf8')
  t.equal(text, formatTraceCsv(requests), 'the same text as formatTraceCsv')
  t.equal(written.chars, text.length)
  t.same((await readTraceFile(file)).requests, requests)
  t.same(await readdir(dir), ['out.csv'], 'no temporary file left')

  const broken = [...requests.slice(0, 20_000), { ...requests[0]!, bytes: -1 }]
  await t.rejects(writeTraceFile(join(dir, 'bad.csv'), broken), { name: 'InvalidTraceRequestError', message: /request 20000: bytes -1/ })
  t.same(await readdir(dir), ['out.csv'], 'a failed write leaves neither the file nor its temporary')
  const ac = new AbortController()
  ac.abort()
  await t.rejects(writeTraceFile(join(dir, 'aborted.csv'), requests, { signal: ac.signal }), { name: 'AbortError' })
  t.same(await readdir(dir), ['out.csv'])
})
