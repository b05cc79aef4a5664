/** HTTP details of the embedded origin: OCI error bodies and byte ranges. */
import type { ServerResponse } from 'node:http'
import { API_VERSION_HEADER } from './constants.js'

/** The OCI codes, and RANGE_INVALID (Distribution's, for a 416: the spec has none) */
export type OciErrorCode = 'NAME_UNKNOWN' | 'NAME_INVALID' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'DIGEST_INVALID' | 'UNSUPPORTED' | 'RANGE_INVALID'

/** An OCI distribution error body (`{"errors":[{code, message, detail}]}`); no body for HEAD. */
export function sendError (res: ServerResponse, head: boolean, status: number, code: OciErrorCode, message: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail: null }] }))
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.byteLength),
    'docker-distribution-api-version': API_VERSION_HEADER,
    ...extra
  })
  res.end(head ? undefined : body)
}

/**
 * The one range of a `Range: bytes=...` header, as [start, end) within
 * `size`: `'unsatisfiable'` for a range that starts past the end (416);
 * `undefined` when there is no header, it is malformed, or it asks for more
 * than one range, all of which are answered with the whole blob (RFC 9110
 * lets a server ignore Range).
 */
export function parseRange (value: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | undefined {
  if (value === undefined) return undefined
  const m = /^\s*bytes\s*=\s*(\d{0,16})\s*-\s*(\d{0,16})\s*$/i.exec(value)
  if (m == null) return undefined
  const [, a, b] = m
  if (a === '' && b === '') return undefined
  if (a === '') {
    const suffix = Number(b)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size }
  }
  const start = Number(a)
  const last = b === '' ? size - 1 : Number(b)
  if (b !== '' && last < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: Math.min(last, size - 1) + 1 }
}
