import t from 'tap'
import { CsvParser, readCsv, Rng, type CsvLimits, type CsvRecord } from '../../../src/predict/trace/index.js'

/** The reader the simulator had before it moved into src (whole text at once), kept as the oracle for chunked reading. */
function * referenceCsv (text: string): Generator<CsvRecord> {
  let line = 1
  let i = 0
  const n = text.length
  while (i < n) {
    const startLine = line
    const fields: string[] = []
    let field = ''
    let quoted = false
    let open = false
    let done = false
    while (i < n && !done) {
      const c = text[i]!
      if (open) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue }
          open = false
          i++
          continue
        }
        if (c === '\n') line++
        field += c
        i++
        continue
      }
      if (c === '"' && field === '' && !quoted) { open = true; quoted = true; i++; continue }
      if (c === ',') { fields.push(field); field = ''; quoted = false; i++; continue }
      if (c === '\r' && text[i + 1] === '\n') { i++; continue }
      if (c === '\n') { line++; i++; done = true; continue }
      field += c
      i++
    }
    fields.push(field)
    if (open) { yield { line: startLine, fields, unterminated: true }; return }
    if (fields.length === 1 && !quoted && fields[0]!.trim() === '') continue
    yield { line: startLine, fields }
  }
}

function chunked (text: string, cuts: number[], limits: CsvLimits = {}): CsvRecord[] {
  const parser = new CsvParser(limits)
  const out: CsvRecord[] = []
  let from = 0
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(from, cut)))
    from = cut
  }
  out.push(...parser.end())
  return out
}

t.test('RFC 4180: quotes, doubled quotes, CRLF, line breaks inside quotes, blank lines', async t => {
  const text = 'a,b,c\r\n"x, y","say ""hi""",\r\n\r\n"two\nlines",z\n  \nlast'
  t.same([...readCsv(text)], [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['x, y', 'say "hi"', ''] },
    { line: 4, fields: ['two\nlines', 'z'] },
    { line: 7, fields: ['last'] }
  ])
  t.same([...readCsv('a,"open\nrest,of,it')], [{ line: 1, fields: ['a', 'open\nrest,of,it'], unterminated: true }], 'an unclosed quote swallows the rest, flagged')
  t.same([...readCsv('a"b",c\r')], [{ line: 1, fields: ['a"b"', 'c\r'] }], 'a quote inside an unquoted field is a character; so is a lone CR')
  t.same([...readCsv('\uFEFFts_ms,client\n1,a\n')], [{ line: 1, fields: ['ts_ms', 'client'] }, { line: 2, fields: ['1', 'a'] }], 'a byte order mark is dropped')
  t.same([...readCsv('')], [])
  t.same([...readCsv('""\n')], [{ line: 1, fields: [''] }], 'an empty quoted field is a record, not a blank line')
})

t.test('chunked reading gives what the whole-text reader gave, wherever the chunks are cut', async t => {
  const seed = Number(process.env.SHOAL_TEST_SEED ?? Date.now() % 1_000_000)
  t.comment(`seed ${seed} (replay with SHOAL_TEST_SEED=${seed})`)
  const rng = new Rng(seed)
  const alphabet = ['a', 'b', 'c', ',', ',', '"', '"', '\r', '\n', '\n', ' ', '\r\n']
  let failures = 0
  for (let round = 0; round < 400 && failures < 3; round++) {
    const text = Array.from({ length: 1 + rng.int(60) }, () => alphabet[rng.int(alphabet.length)]!).join('')
    const expected = JSON.stringify([...referenceCsv(text)])
    const cuts = Array.from({ length: rng.int(6) }, () => rng.int(text.length + 1)).sort((a, b) => a - b)
    const got = JSON.stringify(chunked(text, cuts))
    const whole = JSON.stringify([...readCsv(text)])
    if (got !== expected || whole !== expected) {
      failures++
      t.fail(`seed ${seed} round ${round}: ${JSON.stringify(text)} cut at ${cuts.join(',')}: got ${got}, want ${expected}`)
    }
  }
  t.equal(failures, 0, `400 random texts (seed ${seed})`)
  // Every single cut of one text that has every tricky pair: "" inside quotes, CRLF, a quote at a field's start.
  const text = 'a,"b""c\r\nd",e\r\n"",f\r\r\n"g"\n'
  const expected = JSON.stringify([...referenceCsv(text)])
  for (let cut = 0; cut <= text.length; cut++) t.equal(JSON.stringify(chunked(text, [cut])), expected, `cut at ${cut}`)
  t.equal(JSON.stringify(chunked(text, Array.from({ length: text.length }, (_x, i) => i))), expected, 'one character at a time')
})

t.test('limits: an overlong record or field is delimited and flagged, and its text is not kept', async t => {
  const text = 'ok,1\n' + 'x'.repeat(50) + ',2\n"' + 'y'.repeat(20) + '\n' + 'z'.repeat(20) + '",3\nnext,4\n'
  const records = chunked(text, [7, 30, 61], { maxRecordChars: 30, maxFieldChars: 25 })
  t.same(records, [
    { line: 1, fields: ['ok', '1'] },
    { line: 2, fields: [], overlong: 'record' },
    { line: 3, fields: [], overlong: 'record' },
    { line: 5, fields: ['next', '4'] }
  ])
  const wide = [...readCsv('a,' + 'b'.repeat(10) + ',c\n', { maxFieldChars: 5 })]
  t.equal(wide.length, 1)
  t.equal(wide[0]!.overlong, 'field')
  t.ok(wide[0]!.fields.every(f => f.length <= 5), 'no field kept beyond the limit')
})
