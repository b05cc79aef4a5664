/**
 * Trace rows to `TraceRequest`s. The header is read first: the required
 * columns must be there (once each); `repo`, `region`, `method` and `kind`
 * are read when present, anything else is ignored. Then each row is a
 * request, a HEAD (counted, left out: no bytes move) or malformed (counted,
 * the first few described by line, skipped). Values are trimmed; an empty
 * `repo` or `region` is absent; `method` and `kind` are read in any case.
 */
import { createReadStream } from 'node:fs'
import type { RequestKind, TraceRequest } from '../types.js'
import {
  TRACE_DEFAULT_MAX_FIELD_CHARS, TRACE_DEFAULT_MAX_LINE_CHARS, TRACE_DEFAULT_MAX_ROWS, TRACE_MAX_ERRORS_KEPT,
  TRACE_MAX_ROWS_LIMIT, TRACE_OPTIONAL_COLUMNS, TRACE_READ_CHUNK_CHARS, TRACE_REQUIRED_COLUMNS
} from './constants.js'
import { CsvParser, type CsvRecord } from './csv.js'
import { TraceFormatError, TraceLimitError, TraceOptionError } from './errors.js'
import type { ParsedTrace, TraceReadOptions, TraceRowError } from './index.js'

const KNOWN_OPTIONS = new Set(['maxRows', 'maxLineChars', 'maxFieldChars', 'source', 'signal'])
const OPTIONAL_WORDS = `${TRACE_OPTIONAL_COLUMNS.slice(0, -1).join(', ')} and ${TRACE_OPTIONAL_COLUMNS.at(-1)!}`

interface Limits { maxRows: number, maxLineChars: number, maxFieldChars: number, source: string }

/** A trace held as text. */
export function parseTrace (text: string, options: TraceReadOptions = {}): ParsedTrace {
  const limits = checkReadOptions(options, 'trace')
  if (typeof text !== 'string') throw new TraceOptionError('parseTrace: text must be a string (the CSV)')
  const reader = new TraceRowReader(limits)
  const parser = new CsvParser({ maxRecordChars: limits.maxLineChars, maxFieldChars: limits.maxFieldChars })
  for (let at = 0; at < text.length; at += TRACE_READ_CHUNK_CHARS) {
    for (const record of parser.push(text.slice(at, at + TRACE_READ_CHUNK_CHARS))) reader.record(record)
  }
  for (const record of parser.end()) reader.record(record)
  return reader.finish()
}

/** A trace file, read a chunk at a time: only the result grows with the file. */
export async function readTraceFile (path: string, options: TraceReadOptions = {}): Promise<ParsedTrace> {
  const limits = checkReadOptions(options, path)
  const signal = options.signal
  signal?.throwIfAborted()
  const reader = new TraceRowReader(limits)
  const parser = new CsvParser({ maxRecordChars: limits.maxLineChars, maxFieldChars: limits.maxFieldChars })
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: TRACE_READ_CHUNK_CHARS, signal })
  try {
    for await (const chunk of stream) {
      for (const record of parser.push(chunk as string)) reader.record(record)
    }
    for (const record of parser.end()) reader.record(record)
  } finally {
    stream.destroy()
  }
  return reader.finish()
}

function checkReadOptions (options: TraceReadOptions, source: string): Limits {
  if (options == null || typeof options !== 'object') throw new TraceOptionError('trace read options must be an object')
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TraceOptionError(`unknown trace read option ${JSON.stringify(key)}: the options are ${[...KNOWN_OPTIONS].join(', ')}`)
  }
  const whole = (name: 'maxRows' | 'maxLineChars' | 'maxFieldChars', fallback: number, max: number): number => {
    const v = options[name] ?? fallback
    if (!(Number.isSafeInteger(v) && v >= 1 && v <= max)) throw new TraceOptionError(`${name}: ${v} must be a whole number from 1 to ${max}`)
    return v
  }
  const maxRows = whole('maxRows', TRACE_DEFAULT_MAX_ROWS, TRACE_MAX_ROWS_LIMIT)
  const maxLineChars = whole('maxLineChars', TRACE_DEFAULT_MAX_LINE_CHARS, 2 ** 30)
  const maxFieldChars = whole('maxFieldChars', Math.min(TRACE_DEFAULT_MAX_FIELD_CHARS, maxLineChars), maxLineChars)
  if (options.source !== undefined && typeof options.source !== 'string') throw new TraceOptionError('source: must be a string (a name for messages)')
  return { maxRows, maxLineChars, maxFieldChars, source: options.source ?? source }
}

class TraceRowReader {
  private readonly limits: Limits
  private columns: string[] | undefined
  private col = { ts: -1, client: -1, blob: -1, bytes: -1, repo: -1, region: -1, method: -1, kind: -1 }
  private readonly requests: TraceRequest[] = []
  private readonly errors: TraceRowError[] = []
  private rows = 0
  private skipped = 0
  private headRows = 0
  private sorted = true
  /** Repeated values share one string, and none keeps its whole read chunk alive (see `ownCopy`). */
  private readonly strings = new Map<string, string>()

  constructor (limits: Limits) {
    this.limits = limits
  }

  record (rec: CsvRecord): void {
    if (this.columns === undefined) { this.header(rec); return }
    if (++this.rows > this.limits.maxRows) {
      throw new TraceLimitError(`${this.limits.source}: more than ${this.limits.maxRows} rows (line ${rec.line}); raise maxRows (at most ${TRACE_MAX_ROWS_LIMIT})`, 'maxRows')
    }
    this.row(rec)
  }

  finish (): ParsedTrace {
    if (this.columns === undefined) throw new TraceFormatError(`${this.limits.source}: empty; expected a header naming ${TRACE_REQUIRED_COLUMNS.join(',')}`)
    // Array.prototype.sort is stable: requests at the same time keep their file order.
    if (!this.sorted) this.requests.sort((a, b) => a.tsMs - b.tsMs)
    return { requests: this.requests, rows: this.rows, skipped: this.skipped, headRows: this.headRows, errors: this.errors, columns: this.columns }
  }

  private header (rec: CsvRecord): void {
    const { source } = this.limits
    if (rec.overlong !== undefined) throw new TraceFormatError(`${source}: the header (line ${rec.line}) is longer than ${rec.overlong === 'record' ? `maxLineChars (${this.limits.maxLineChars})` : `maxFieldChars (${this.limits.maxFieldChars}) in a field`}`)
    if (rec.unterminated === true) throw new TraceFormatError(`${source}: the header (line ${rec.line}) opens a quote it never closes`)
    const names = rec.fields.map(f => f.trim().toLowerCase())
    const index = new Map<string, number>()
    const known: readonly string[] = [...TRACE_REQUIRED_COLUMNS, ...TRACE_OPTIONAL_COLUMNS]
    names.forEach((name, i) => {
      if (!known.includes(name)) return
      if (index.has(name)) throw new TraceFormatError(`${source}: the header names column ${name} twice`)
      index.set(name, i)
    })
    const missing = TRACE_REQUIRED_COLUMNS.filter(c => !index.has(c))
    if (missing.length > 0) {
      throw new TraceFormatError(`${source}: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the header (line ${rec.line}) has ${JSON.stringify(names.join(',').slice(0, 300))}; it must name ${TRACE_REQUIRED_COLUMNS.join(',')} (${OPTIONAL_WORDS} are optional)`)
    }
    const at = (name: string): number => index.get(name) ?? -1
    this.col = { ts: at('ts_ms'), client: at('client'), blob: at('blob'), bytes: at('bytes'), repo: at('repo'), region: at('region'), method: at('method'), kind: at('kind') }
    this.columns = names
  }

  private row (rec: CsvRecord): void {
    if (rec.unterminated === true) { this.bad(rec.line, 'a quoted field is never closed'); return }
    if (rec.overlong === 'record') { this.bad(rec.line, `longer than maxLineChars (${this.limits.maxLineChars})`); return }
    if (rec.overlong === 'field') { this.bad(rec.line, `a field longer than maxFieldChars (${this.limits.maxFieldChars})`); return }
    const f = rec.fields
    const get = (i: number): string => i < 0 ? '' : (f[i] ?? '').trim()
    const method = this.col.method < 0 ? '' : get(this.col.method).toUpperCase()
    if (method === 'HEAD') { this.headRows++; return }
    if (method !== '' && method !== 'GET') { this.bad(rec.line, `method ${JSON.stringify(method.slice(0, 40))} is not GET or HEAD`); return }
    const ts = get(this.col.ts)
    const client = get(this.col.client)
    const blob = get(this.col.blob)
    const bytesText = get(this.col.bytes)
    if (ts === '' || client === '' || blob === '' || bytesText === '') {
      const absent = [['ts_ms', ts], ['client', client], ['blob', blob], ['bytes', bytesText]].filter(([, v]) => v === '').map(([c]) => c)
      this.bad(rec.line, `no ${absent.join(', ')}`)
      return
    }
    const tsMs = Number(ts)
    if (!Number.isFinite(tsMs)) { this.bad(rec.line, `ts_ms ${JSON.stringify(ts.slice(0, 40))} is not a number`); return }
    const bytes = Number(bytesText)
    if (!(Number.isSafeInteger(bytes) && bytes > 0)) { this.bad(rec.line, `bytes ${JSON.stringify(bytesText.slice(0, 40))} is not a whole number > 0`); return }
    const kindText = get(this.col.kind).toLowerCase()
    let kind: RequestKind = 'blob'
    if (kindText === 'manifest') kind = 'manifest'
    else if (kindText !== '' && kindText !== 'blob') { this.bad(rec.line, `kind ${JSON.stringify(kindText.slice(0, 40))} is not manifest or blob`); return }
    const request: TraceRequest = { tsMs, client: this.intern(client), blob: this.intern(blob), bytes, kind }
    const repo = get(this.col.repo)
    if (repo !== '') request.repo = this.intern(repo)
    const region = get(this.col.region)
    if (region !== '') request.region = this.intern(region)
    const last = this.requests[this.requests.length - 1]
    if (last !== undefined && tsMs < last.tsMs) this.sorted = false
    this.requests.push(request)
  }

  private bad (line: number, reason: string): void {
    this.skipped++
    if (this.errors.length < TRACE_MAX_ERRORS_KEPT) this.errors.push({ line, reason })
  }

  private intern (value: string): string {
    let kept = this.strings.get(value)
    if (kept === undefined) {
      kept = ownCopy(value)
      this.strings.set(kept, kept)
    }
    return kept
  }
}

/**
 * A string that holds its own characters. V8 makes a slice of a long string
 * point into its parent, so a 71-character digest sliced from a 64 KiB chunk
 * would keep the whole chunk alive, and the reader would end up holding the
 * file. A round trip through JSON allocates a fresh string; it runs once per
 * distinct value.
 */
function ownCopy (value: string): string {
  return JSON.parse(JSON.stringify(value)) as string
}
