import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseTrace, readTraceFile, TRACE_MAX_ERRORS_KEPT } from '../../../src/predict/trace/index.js'

t.test('rows become requests sorted by time (ties in file order); optional columns read, others ignored', async t => {
  const csv = [
    'status,TS_MS, Client ,blob,bytes,repo,region,kind',
    'ok,300,alice,sha-a,5000,team/web,eu,blob',
    'ok,100,bob,sha-m,900,team/web,us,Manifest',
    'ok,300,carol,sha-b,6000,,,',
    'ok,200,"dave, jr","sha ""c""",100,team/api,eu,BLOB'
  ].join('\r\n') + '\r\n'
  const p = parseTrace(csv)
  t.same(p.columns, ['status', 'ts_ms', 'client', 'blob', 'bytes', 'repo', 'region', 'kind'])
  t.same(p.requests, [
    { tsMs: 100, client: 'bob', blob: 'sha-m', bytes: 900, repo: 'team/web', region: 'us', kind: 'manifest' },
    { tsMs: 200, client: 'dave, jr', blob: 'sha "c"', bytes: 100, repo: 'team/api', region: 'eu', kind: 'blob' },
    { tsMs: 300, client: 'alice', blob: 'sha-a', bytes: 5000, repo: 'team/web', region: 'eu', kind: 'blob' },
    { tsMs: 300, client: 'carol', blob: 'sha-b', bytes: 6000, kind: 'blob' }
  ], 'quoted fields; an empty repo or region is absent; kind in any case')
  t.equal(p.rows, 4)
  t.equal(p.skipped, 0)
  t.equal(p.headRows, 0)
  t.same(p.errors, [])
  const plain = parseTrace('ts_ms,client,blob,bytes\n5,a,b,1\n')
  t.same(plain.requests, [{ tsMs: 5, client: 'a', blob: 'b', bytes: 1, kind: 'blob' }], 'without a kind column every row is a blob')
})

t.test('HEAD rows are counted and left out; GET or no method is a fetch; other methods are malformed', async t => {
  const p = parseTrace('ts_ms,client,blob,bytes,method\n1,a,b,10,GET\n2,a,b,0,head\n3,a,b,10,\n4,a,b,10,PUT\n')
  t.same(p.requests.map(r => r.tsMs), [1, 3])
  t.equal(p.headRows, 1, 'a HEAD needs no size: no bytes move')
  t.equal(p.skipped, 1)
  t.same(p.errors, [{ line: 5, reason: 'method "PUT" is not GET or HEAD' }])
  t.equal(p.rows, 4)
})

t.test('malformed rows are counted, the first few described by line, and skipped', async t => {
  const csv = [
    'ts_ms,client,blob,bytes,kind',
    '1,a,b1,100,blob',
    '',
    'x,a,b1,100,blob',
    '2,,b1,100,blob',
    '3,a,b1,-5,blob',
    '4,a,b1,1.5,blob',
    '5,a',
    '6,a,b2,300,layer',
    '7,a,b2,300,blob',
    '8,"a,b2,300'
  ].join('\n')
  const p = parseTrace(csv)
  t.same(p.requests.map(r => r.tsMs), [1, 7])
  t.equal(p.rows, 9, 'blank lines are not rows')
  t.equal(p.skipped, 7)
  t.same(p.errors, [
    { line: 4, reason: 'ts_ms "x" is not a number' },
    { line: 5, reason: 'no client' },
    { line: 6, reason: 'bytes "-5" is not a whole number > 0' },
    { line: 7, reason: 'bytes "1.5" is not a whole number > 0' },
    { line: 8, reason: 'no blob, bytes' },
    { line: 9, reason: 'kind "layer" is not manifest or blob' },
    { line: 11, reason: 'a quoted field is never closed' }
  ])
  const many = parseTrace('ts_ms,client,blob,bytes\n' + 'x,a,b,1\n'.repeat(50))
  t.equal(many.skipped, 50, 'all are counted')
  t.equal(many.errors.length, TRACE_MAX_ERRORS_KEPT, 'a few are described')
})

t.test('a trace that cannot be read at all fails with a named error', async t => {
  t.throws(() => parseTrace('ts_ms,client,blob\n1,a,b'), {
    name: 'TraceFormatError',
    message: 'trace: missing required column bytes: the header (line 1) has "ts_ms,client,blob"; it must name ts_ms,client,blob,bytes (repo, region, method and kind are optional)'
  })
  t.throws(() => parseTrace('time,who,what\n1,a,b', { source: 'f.csv' }), { name: 'TraceFormatError', message: /^f\.csv: missing required columns ts_ms, client, blob, bytes: the header \(line 1\) has "time,who,what"/ })
  t.throws(() => parseTrace(''), { name: 'TraceFormatError', message: /empty; expected a header naming ts_ms,client,blob,bytes/ })
  t.throws(() => parseTrace('\n\n'), { name: 'TraceFormatError', message: /empty/ })
  t.throws(() => parseTrace('ts_ms,client,blob,bytes,Blob\n'), { name: 'TraceFormatError', message: /names column blob twice/ })
  t.throws(() => parseTrace('ts_ms,client,blob,bytes,"x\n1,a,b,1'), { name: 'TraceFormatError', message: /header \(line 1\) opens a quote/ })
  const header = parseTrace('ts_ms,client,blob,bytes\n')
  t.same([header.requests, header.rows], [[], 0], 'a header alone is an empty trace')
})

t.test('a byte order mark does not hide the first column', async t => {
  const p = parseTrace('\uFEFFts_ms,client,blob,bytes\n1,a,b,2\n')
  t.equal(p.columns[0], 'ts_ms')
  t.equal(p.requests.length, 1)
})

t.test('limits: most rows, longest line, longest field', async t => {
  const rows = (n: number): string => 'ts_ms,client,blob,bytes\n' + Array.from({ length: n }, (_x, i) => `${i},c,b,1`).join('\n')
  t.equal(parseTrace(rows(5), { maxRows: 5 }).requests.length, 5)
  t.throws(() => parseTrace(rows(6), { maxRows: 5 }), { name: 'TraceLimitError', limit: 'maxRows', message: /more than 5 rows \(line 7\); raise maxRows/ })
  const long = parseTrace(`ts_ms,client,blob,bytes\n1,a,${'b'.repeat(100)},1\n2,a,b,1\n`, { maxLineChars: 60 })
  t.same([long.requests.map(r => r.tsMs), long.errors], [[2], [{ line: 2, reason: 'longer than maxLineChars (60)' }]])
  const wide = parseTrace(`ts_ms,client,blob,bytes\n1,a,${'b'.repeat(40)},1\n2,a,b,1\n`, { maxFieldChars: 30 })
  t.same([wide.requests.map(r => r.tsMs), wide.errors], [[2], [{ line: 2, reason: 'a field longer than maxFieldChars (30)' }]])
  t.throws(() => parseTrace(`ts_ms,client,blob,bytes,${'x'.repeat(100)}\n`, { maxLineChars: 60 }), { name: 'TraceFormatError', message: /header \(line 1\) is longer than maxLineChars \(60\)/ })
})

t.test('options are checked once, by name', async t => {
  t.throws(() => parseTrace('', { maxRow: 5 } as never), { name: 'TraceOptionError', message: /unknown trace read option "maxRow"/ })
  t.throws(() => parseTrace('', { maxRows: 0 }), { name: 'TraceOptionError', message: /^maxRows: 0 must be a whole number/ })
  t.throws(() => parseTrace('', { maxLineChars: 10, maxFieldChars: 20 }), { name: 'TraceOptionError', message: /^maxFieldChars: 20 must be a whole number from 1 to 10/ })
  t.throws(() => parseTrace(42 as never), { name: 'TraceOptionError' })
})

t.test('readTraceFile reads a file in chunks to the same result as parseTrace, and stops when aborted', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-trace-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  // Long enough to span several 64 KiB chunks, with quoted fields holding line breaks and multi-byte characters across chunk edges.
  const lines = ['\uFEFFts_ms,client,blob,bytes,repo,region,method']
  for (let i = 0; i < 20_000; i++) lines.push(`${20_000 - i},"host ${i % 7}\nrack é",sha256:${(i % 301).toString(16).padStart(64, '0')},${1 + i},r/${i % 5},région-${i % 3},${i % 10 === 0 ? 'HEAD' : 'GET'}`)
  lines.push('bad,row')
  const text = lines.join('\r\n')
  const file = join(dir, 'trace.csv')
  await writeFile(file, text)
  const fromFile = await readTraceFile(file)
  const fromText = parseTrace(text, { source: file })
  t.equal(fromFile.requests.length, 18_000)
  t.equal(fromFile.headRows, 2000)
  t.same(fromFile.errors, [{ line: 40_002, reason: 'no blob, bytes' }], 'lines count the line breaks inside quotes')
  t.equal(JSON.stringify(fromFile), JSON.stringify(fromText))
  t.equal(fromFile.requests[0]!.tsMs, 1)
  t.equal(fromFile.requests[0]!.client, `host ${19_999 % 7}\nrack é`)
  const ac = new AbortController()
  ac.abort()
  await t.rejects(readTraceFile(file, { signal: ac.signal }), { name: 'AbortError' })
  await t.rejects(readTraceFile(join(dir, 'absent.csv')), { code: 'ENOENT' })
  await t.rejects(readTraceFile(file, { maxRows: 100 }), { name: 'TraceLimitError', message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: more than 100 rows`) })
})
