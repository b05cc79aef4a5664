/**
 * One HTTP request to an origin (or where it redirects), through undici, with
 * its failures turned into the client's errors: network errors and timeouts
 * become `OriginUnavailableError` (an untrusted certificate one a retry will
 * not mend), a malformed response `OriginProtocolError`, and an abort the
 * signal's reason. Also bounded body reads and header lookups.
 */
import { request, type Dispatcher } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'
import { MAX_ERROR_BODY_BYTES, MAX_HEADER_VALUE_BYTES, USER_AGENT } from './constants.js'
import { OriginNotFoundError, OriginProtocolError, OriginRejectedError, OriginUnauthorizedError, OriginUnavailableError } from './errors.js'

export type Body = Dispatcher.ResponseData['body']

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT'

export interface SendInit {
  dispatcher: Dispatcher
  method: Method
  url: URL
  headers: Record<string, string>
  /** What a POST or PUT carries (held in memory, so that it can be sent again). */
  body?: Uint8Array
  /** Headers time and body idle time. */
  timeoutMs: number
  signal?: AbortSignal
  /** The registry host as the caller named it, for messages. */
  host: string
}

export interface Response {
  statusCode: number
  headers: IncomingHttpHeaders
  body: Body
  url: URL
}

export async function send (init: SendInit): Promise<Response> {
  init.signal?.throwIfAborted()
  try {
    const res = await request(init.url, {
      dispatcher: init.dispatcher,
      method: init.method,
      headers: { 'user-agent': USER_AGENT, ...init.headers },
      body: init.body ?? null,
      headersTimeout: init.timeoutMs,
      bodyTimeout: init.timeoutMs,
      signal: init.signal
    })
    return { statusCode: res.statusCode, headers: res.headers, body: res.body, url: init.url }
  } catch (err) {
    throw failure(err, init)
  }
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REVOKED'
])

/** Map what undici or the socket threw. Errors of this client pass through; an abort becomes the signal's reason. */
export function failure (err: unknown, init: { url: URL, host: string, timeoutMs: number, signal?: AbortSignal }): unknown {
  if (init.signal?.aborted === true) return init.signal.reason
  if (isOriginError(err)) return err
  const e = err as NodeJS.ErrnoException
  const code = typeof e?.code === 'string' ? e.code : undefined
  const where = init.url.host === hostOf(init.host) ? `origin ${init.host}` : `origin ${init.host} (at ${init.url.host})`
  const cause = `${code ?? e?.name ?? 'Error'}: ${e?.message ?? String(err)}`
  if (code !== undefined && CERT_CODES.has(code)) {
    return new OriginUnavailableError(
      `${where}: the TLS certificate is not trusted (${cause}); if the registry uses a private CA, set origins[${JSON.stringify(init.host)}].caFile`,
      init.host, { cause: err, transient: false })
  }
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new OriginUnavailableError(`${where}: no response within ${init.timeoutMs} ms`, init.host, { cause: err })
    case 'UND_ERR_BODY_TIMEOUT':
      return new OriginUnavailableError(`${where}: the response stalled (no data for ${init.timeoutMs} ms)`, init.host, { cause: err })
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new OriginUnavailableError(`${where}: could not connect within ${init.timeoutMs} ms`, init.host, { cause: err })
    case 'UND_ERR_HEADERS_OVERFLOW':
      return new OriginProtocolError(`${where}: the response headers are too large`, init.host)
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return new OriginUnavailableError(`${where}: the origin client is closed`, init.host, { cause: err, transient: false })
    case 'UND_ERR_INVALID_ARG':
      return new OriginProtocolError(`${where}: ${cause}`, init.host)
  }
  if (code?.startsWith('HPE_') === true) return new OriginProtocolError(`${where}: malformed HTTP response (${cause})`, init.host)
  return new OriginUnavailableError(`${where}: ${cause}`, init.host, { cause: err })
}

function isOriginError (err: unknown): boolean {
  return err instanceof OriginUnavailableError || err instanceof OriginProtocolError ||
    err instanceof OriginUnauthorizedError || err instanceof OriginNotFoundError || err instanceof OriginRejectedError
}

/** "host[:port]" as a URL's `host` writes it (default ports dropped, lower case). */
function hostOf (host: string): string {
  return host.toLowerCase().replace(/:(80|443)$/, '')
}

/** The first value of a header, or undefined; a value longer than MAX_HEADER_VALUE_BYTES is a protocol error. */
export function header (res: Response, name: string, host: string): string | undefined {
  const raw = res.headers[name]
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return undefined
  if (value.length > MAX_HEADER_VALUE_BYTES) throw new OriginProtocolError(`origin ${host}: the ${name} header is longer than ${MAX_HEADER_VALUE_BYTES} bytes`, host)
  return value
}

/** Content-Length as a number; undefined when absent; a protocol error when it is not a whole number. */
export function contentLength (res: Response, host: string): number | undefined {
  const v = header(res, 'content-length', host)
  if (v === undefined) return undefined
  if (!/^\d{1,16}$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw new OriginProtocolError(`origin ${host}: bad Content-Length ${JSON.stringify(v.slice(0, 40))}`, host)
  return Number(v)
}

/** Let a body we do not want drain in the background (so its connection can be reused), reading at most `limitBytes`. */
export function discard (body: Body, limitBytes = MAX_ERROR_BODY_BYTES): void {
  body.dump({ limit: limitBytes }).catch(() => {})
}

/**
 * Read a whole body of at most `maxBytes`. Too big (by Content-Length or as it
 * arrives) is an OriginProtocolError; a stall or a dropped connection an
 * OriginUnavailableError.
 */
export async function readBody (res: Response, maxBytes: number, what: string, init: { host: string, timeoutMs: number, signal?: AbortSignal }): Promise<Uint8Array> {
  const declared = contentLength(res, init.host)
  if (declared !== undefined && declared > maxBytes) {
    res.body.destroy()
    throw new OriginProtocolError(`origin ${init.host}: ${what} is ${declared} bytes, more than the ${maxBytes} allowed`, init.host)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength
      if (total > maxBytes) throw new OriginProtocolError(`origin ${init.host}: ${what} is more than the ${maxBytes} bytes allowed`, init.host)
      chunks.push(chunk)
    }
  } catch (err) {
    res.body.destroy()
    throw failure(err, { ...init, url: res.url })
  }
  if (declared !== undefined && total !== declared) throw new OriginProtocolError(`origin ${init.host}: ${what} ended after ${total} of ${declared} bytes`, init.host)
  return concat(chunks, total)
}

export function concat (chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
