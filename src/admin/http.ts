/** Small HTTP helpers of the admin server: JSON bodies in and out, error bodies, ranges. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorMessage, errorName } from './error-status.js'
import { InvalidRequestError, PayloadTooLargeError, RangeNotSatisfiableError, UnsupportedMediaTypeError } from './errors.js'

export interface ErrorBody {
  error: { name: string, message: string }
}

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(body) + '\n'
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store'
  })
  res.end(text)
}

export function sendText (res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}

export function errorBody (err: unknown): ErrorBody {
  return { error: { name: errorName(err), message: errorMessage(err) } }
}

/** The media type of a request, lower case, without parameters. */
export function mediaType (req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

export function requireMediaType (req: IncomingMessage, expected: string): void {
  const got = mediaType(req)
  if (got !== expected) {
    throw new UnsupportedMediaTypeError(`this route takes Content-Type: ${expected}, got ${got === '' ? 'none' : got}`)
  }
}

/** Read a JSON body of at most `maxBytes`; 413 past it (checked against Content-Length first), 400 if not JSON. */
export async function readJsonBody (req: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<unknown> {
  const declared = req.headers['content-length']
  if (declared != null && Number(declared) > maxBytes) {
    throw new PayloadTooLargeError(`JSON body of ${declared} bytes is over the limit of ${maxBytes}`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    signal.throwIfAborted()
    size += chunk.byteLength
    if (size > maxBytes) throw new PayloadTooLargeError(`JSON body is over the limit of ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new InvalidRequestError(`request body is not valid JSON: ${(err as Error).message}`)
  }
}

export interface ByteRange {
  offset: number
  length: number
}

/**
 * Parse a `Range` header against a blob of `sizeBytes`. Returns undefined
 * when the header should be ignored (absent, not `bytes`, several ranges,
 * malformed: RFC 9110 lets a server answer those with the whole blob), and
 * throws RangeNotSatisfiableError (416) when the range misses the blob.
 */
export function parseRange (header: string | undefined, sizeBytes: number): ByteRange | undefined {
  if (header == null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null) return undefined
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return undefined
  const unsatisfiable = (): RangeNotSatisfiableError =>
    new RangeNotSatisfiableError(sizeBytes, `range ${header} is outside the blob of ${sizeBytes} bytes`)
  if (a === '') {
    // Suffix: the last b bytes.
    const n = Number(b)
    if (n === 0 || sizeBytes === 0) throw unsatisfiable()
    const length = Math.min(n, sizeBytes)
    return { offset: sizeBytes - length, length }
  }
  const first = Number(a)
  if (!Number.isSafeInteger(first)) return undefined
  if (first >= sizeBytes) throw unsatisfiable()
  let last = b === '' ? sizeBytes - 1 : Number(b)
  if (!Number.isSafeInteger(last)) return undefined
  if (last < first) return undefined
  last = Math.min(last, sizeBytes - 1)
  return { offset: first, length: last - first + 1 }
}
