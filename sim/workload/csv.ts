/**
 * A small CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF,
 * newlines inside quotes), yielding each record with the line it starts on.
 * Blank lines are skipped; a quote left open swallows the rest of the text
 * into one record that is flagged, so the caller can count it as malformed.
 */

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number
  fields: string[]
  /** A quoted field was never closed. */
  unterminated?: true
}

export function * readCsv (text: string): Generator<CsvRecord> {
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
