/**
 * Requests to trace CSV (`ts_ms,client,blob,bytes,repo,region,kind`), so that
 * `parseTrace` reads back exactly what was written. Fields are quoted when
 * they hold a comma, a quote or a line break (RFC 4180). A request that could
 * not read back the same (an empty client, a value with surrounding spaces,
 * which the reader trims, a size that is not a whole number > 0) is refused
 * with the request's index and the field. An empty `repo` or `region` is
 * written empty and reads back absent.
 */
import { open, rename, rm } from 'node:fs/promises'
import type { TraceRequest } from '../types.js'
import { TRACE_CSV_COLUMNS, TRACE_DEFAULT_MAX_FIELD_CHARS, TRACE_MAX_FORMAT_CHARS, TRACE_WRITE_BATCH_CHARS } from './constants.js'
import { InvalidTraceRequestError, TraceLimitError } from './errors.js'

/** The header line of a written trace, without its line break. */
export const TRACE_CSV_HEADER = TRACE_CSV_COLUMNS.join(',')

const NEEDS_QUOTES = /[",\r\n]/

/** One row, with its line break; `index` names the request in errors. */
export function formatTraceRow (r: TraceRequest, index = 0): string {
  if (r == null || typeof r !== 'object') refuse(index, 'request', 'is not an object')
  if (typeof r.tsMs !== 'number' || !Number.isFinite(r.tsMs)) refuse(index, 'tsMs', `${String(r.tsMs)} is not a finite number`)
  if (!(Number.isSafeInteger(r.bytes) && r.bytes > 0)) refuse(index, 'bytes', `${String(r.bytes)} is not a whole number > 0`)
  if (r.kind !== 'manifest' && r.kind !== 'blob') refuse(index, 'kind', `${JSON.stringify(r.kind)} is not 'manifest' or 'blob'`)
  const repo = r.repo === undefined ? '' : field(r.repo, 'repo', false, index)
  const region = r.region === undefined ? '' : field(r.region, 'region', false, index)
  return `${String(r.tsMs)},${field(r.client, 'client', true, index)},${field(r.blob, 'blob', true, index)},${r.bytes},${repo},${region},${r.kind}\n`
}

function field (v: unknown, name: string, required: boolean, index: number): string {
  if (typeof v !== 'string') return refuse(index, name, 'is not a string')
  if (v === '') return required ? refuse(index, name, 'is empty') : ''
  if (v.length > TRACE_DEFAULT_MAX_FIELD_CHARS) refuse(index, name, `is ${v.length} characters, more than a reader takes (${TRACE_DEFAULT_MAX_FIELD_CHARS})`)
  if (v.trim() !== v) refuse(index, name, `${JSON.stringify(v.slice(0, 60))} has surrounding white space, which a reader trims`)
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v
}

function refuse (index: number, field: string, why: string): never {
  throw new InvalidTraceRequestError(`request ${index}: ${field} ${why}`)
}

/** The whole trace as one string, header first. Bigger traces go to `writeTraceFile`. */
export function formatTraceCsv (requests: Iterable<TraceRequest>): string {
  const parts: string[] = [TRACE_CSV_HEADER + '\n']
  let chars = parts[0]!.length
  let i = 0
  for (const r of requests) {
    const row = formatTraceRow(r, i++)
    chars += row.length
    if (chars > TRACE_MAX_FORMAT_CHARS) throw new TraceLimitError(`formatTraceCsv: more than ${TRACE_MAX_FORMAT_CHARS} characters (at request ${i - 1}); write it with writeTraceFile instead`, 'TRACE_MAX_FORMAT_CHARS')
    parts.push(row)
  }
  return parts.join('')
}

export interface WriteTraceOptions {
  signal?: AbortSignal
}

/**
 * Write a trace file a batch at a time. The rows go to a temporary file
 * beside `path` that is renamed over it at the end, so a reader never sees
 * half a trace under the real name; on failure the temporary file is removed.
 */
export async function writeTraceFile (path: string, requests: Iterable<TraceRequest> | AsyncIterable<TraceRequest>, options: WriteTraceOptions = {}): Promise<{ rows: number, chars: number }> {
  const { signal } = options
  signal?.throwIfAborted()
  const temp = `${path}.${process.pid}.tmp`
  const file = await open(temp, 'w')
  let done = false
  let rows = 0
  let chars = 0
  try {
    let batch = TRACE_CSV_HEADER + '\n'
    for await (const r of requests) {
      batch += formatTraceRow(r, rows++)
      if (batch.length >= TRACE_WRITE_BATCH_CHARS) {
        signal?.throwIfAborted()
        chars += batch.length
        await file.write(batch)
        batch = ''
      }
    }
    chars += batch.length
    await file.write(batch)
    await file.sync()
    await file.close()
    signal?.throwIfAborted()
    await rename(temp, path)
    done = true
  } finally {
    if (!done) {
      // The error on its way out says what went wrong; a second close of a closed handle would only hide it.
      await file.close().catch(() => {})
      await rm(temp, { force: true })
    }
  }
  return { rows, chars }
}
