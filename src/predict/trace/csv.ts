/**
 * A CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF,
 * newlines inside quotes) that takes its text in chunks, so a file is read
 * without ever holding it whole. Each record comes with the line it starts
 * on. A leading byte order mark is dropped. Blank lines are skipped; a quote
 * left open swallows the rest of the text into one record that is flagged,
 * so the caller can count it as malformed. A quote inside an unquoted field
 * is an ordinary character.
 *
 * Limits keep memory bounded whatever the input: a record longer than
 * `maxRecordChars` or with a field longer than `maxFieldChars` is still
 * delimited and returned, flagged `overlong`, but its text is not kept.
 */

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number
  /** The fields; empty when the record was `overlong: 'record'`. */
  fields: string[]
  /** A quoted field was never closed. */
  unterminated?: true
  /** The record, or one of its fields, passed its limit. */
  overlong?: 'record' | 'field'
}

export interface CsvLimits {
  /** @default unlimited */
  maxRecordChars?: number
  /** @default unlimited */
  maxFieldChars?: number
}

const QUOTE = 0x22
const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a
const BOM = 0xfeff
/** `readCsv` hands its text to the parser in slices of this size. */
const TEXT_SLICE_CHARS = 64 * 1024

export class CsvParser {
  private readonly maxRecordChars: number
  private readonly maxFieldChars: number
  private fields: string[] = []
  private field = ''
  /** The current field began with a quote. */
  private quoted = false
  /** Inside a quoted field. */
  private open = false
  /** A quote inside a quoted field ended the last chunk: a doubled quote or the closing one, the next chunk says. */
  private quoteAtEnd = false
  /** A CR outside quotes ended the last chunk: a line end if LF follows, else a character. */
  private crAtEnd = false
  private line = 1
  private startLine = 1
  private recordChars = 0
  private overlong: 'record' | 'field' | undefined
  private atStart = true

  constructor (limits: CsvLimits = {}) {
    this.maxRecordChars = limits.maxRecordChars ?? Infinity
    this.maxFieldChars = limits.maxFieldChars ?? Infinity
  }

  /** The records that `chunk` completes. */
  push (chunk: string): CsvRecord[] {
    const out: CsvRecord[] = []
    const n = chunk.length
    let i = 0
    if (n === 0) return out
    if (this.atStart) {
      this.atStart = false
      if (chunk.charCodeAt(0) === BOM) i = 1
    }
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false
      if (chunk.charCodeAt(i) === QUOTE) { this.append('"'); i++ } else this.open = false
    }
    if (this.crAtEnd) {
      this.crAtEnd = false
      // CRLF: the LF ends the record below; a lone CR is part of the field.
      if (chunk.charCodeAt(i) !== LF) this.append('\r')
    }
    let run = i
    while (i < n) {
      const c = chunk.charCodeAt(i)
      if (this.open) {
        if (c === QUOTE) {
          this.take(chunk, run, i)
          if (i + 1 === n) { this.quoteAtEnd = true; i++ } else if (chunk.charCodeAt(i + 1) === QUOTE) { this.append('"'); i += 2 } else { this.open = false; i++ }
          run = i
          continue
        }
        if (c === LF) this.line++
        i++
        continue
      }
      if (c === QUOTE && !this.quoted && run === i && this.field === '') {
        this.open = true
        this.quoted = true
        this.recordChars++
        run = ++i
        continue
      }
      if (c === COMMA) {
        this.take(chunk, run, i)
        this.endField()
        run = ++i
        continue
      }
      if (c === CR) {
        if (i + 1 === n) {
          this.take(chunk, run, i)
          this.crAtEnd = true
          run = ++i
          continue
        }
        if (chunk.charCodeAt(i + 1) === LF) {
          this.take(chunk, run, i)
          run = ++i
          continue
        }
        i++
        continue
      }
      if (c === LF) {
        this.take(chunk, run, i)
        this.line++
        const record = this.endRecord()
        if (record !== undefined) out.push(record)
        run = ++i
        continue
      }
      i++
    }
    this.take(chunk, run, n)
    return out
  }

  /** The last record, when the text does not end with a line break. */
  end (): CsvRecord[] {
    if (this.quoteAtEnd) { this.quoteAtEnd = false; this.open = false }
    if (this.crAtEnd) { this.crAtEnd = false; this.append('\r') }
    if (this.recordChars === 0 && this.fields.length === 0 && !this.open) return []
    const unterminated = this.open
    this.open = false
    const record = this.endRecord()
    if (record === undefined) return []
    if (unterminated) record.unterminated = true
    return [record]
  }

  private take (chunk: string, from: number, to: number): void {
    if (to > from) this.append(chunk.slice(from, to))
  }

  private append (text: string): void {
    this.recordChars += text.length
    if (this.overlong === 'record') return
    if (this.recordChars > this.maxRecordChars) {
      this.overlong = 'record'
      this.fields = []
      this.field = ''
      return
    }
    if (this.field.length + text.length > this.maxFieldChars) {
      this.overlong = 'field'
      return
    }
    this.field += text
  }

  private endField (): void {
    this.recordChars++
    if (this.overlong !== 'record') this.fields.push(this.field)
    this.field = ''
    this.quoted = false
  }

  private endRecord (): CsvRecord | undefined {
    const blank = this.fields.length === 0 && !this.quoted && this.overlong === undefined && this.field.trim() === ''
    if (this.overlong !== 'record') this.fields.push(this.field)
    const record: CsvRecord = { line: this.startLine, fields: this.fields }
    if (this.overlong !== undefined) record.overlong = this.overlong
    this.fields = []
    this.field = ''
    this.quoted = false
    this.overlong = undefined
    this.recordChars = 0
    this.startLine = this.line
    return blank ? undefined : record
  }
}

/** Every record of `text`, lazily. */
export function * readCsv (text: string, limits: CsvLimits = {}): Generator<CsvRecord> {
  const parser = new CsvParser(limits)
  for (let at = 0; at < text.length; at += TEXT_SLICE_CHARS) yield * parser.push(text.slice(at, at + TEXT_SLICE_CHARS))
  yield * parser.end()
}
