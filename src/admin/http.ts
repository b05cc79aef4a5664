/** Small HTTP helpers of the admin server: JSON bodies in and out, error bodies, ranges. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorMessage, errorName } from './error-status.js'
import { InvalidRangeError } from '../store/errors.js'
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.js'

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

/**
 * Tell a client that sent `Expect: 100-continue` to send its body. Called
 * only once the request has passed every check that does not need the body,
 * so a refused request is answered before any of it is sent.
 */
export function acceptBody (req: IncomingMessage, res: ServerResponse): void {
  if (/100-continue/i.test(req.headers.expect ?? '') && !res.headersSent) res.writeContinue()
}

/** Read a JSON body of at most `maxBytes`; 413 past it (checked against Content-Length first), 400 if not JSON. */
export async function readJsonBody (req: IncomingMessage, res: ServerResponse, maxBytes: number, signal: AbortSignal): Promise<unknown> {
  const declared = req.headers['content-length']
  if (declared != null && Number(declared) > maxBytes) {
    throw new PayloadTooLargeError(`JSON body of ${declared} bytes is over the limit of ${maxBytes}`)
  }
  acceptBody(req, res)
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
 * throws the store's InvalidRangeError (416) when the range misses the blob.
 * An end past the blob is clipped, as RFC 9110 says.
 */
export function parseRange (header: string | undefined, sizeBytes: number, digest: string): ByteRange | undefined {
  if (header == null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null) return undefined
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return undefined
  if (a === '') {
    // Suffix: the last b bytes.
    const n = Number(b)
    if (n === 0 || sizeBytes === 0) throw new InvalidRangeError(digest, sizeBytes, 0, sizeBytes)
    const length = Math.min(n, sizeBytes)
    return { offset: sizeBytes - length, length }
  }
  const first = Number(a)
  const last = b === '' ? undefined : Number(b)
  if (!Number.isSafeInteger(first)) return undefined
  if (last != null && (!Number.isSafeInteger(last) || last < first)) return undefined
  if (first >= sizeBytes) throw new InvalidRangeError(digest, first, last != null ? last - first + 1 : 0, sizeBytes)
  const end = Math.min(last ?? sizeBytes - 1, sizeBytes - 1)
  return { offset: first, length: end - first + 1 }
}
