/**
 * Reading one byte range of a blob: from a 206 (whose Content-Range must be
 * the one asked for and whose body must be exactly that long) or from a 200
 * whose server ignored `Range`, by skipping to the offset and stopping at the
 * range's end.
 */
import { OriginProtocolError } from './errors.js'
import { contentLength, failure, header, readBody, type Response } from './http.js'

export interface RangeInit {
  host: string
  timeoutMs: number
  signal?: AbortSignal
  what: string
}

/** `bytes start-end/total` (total may be `*`); undefined when malformed. */
export function parseContentRange (value: string): { start: number, end: number, total?: number } | undefined {
  const m = /^bytes\s+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i.exec(value.trim())
  if (m == null) return undefined
  const start = Number(m[1])
  const end = Number(m[2])
  if (end < start) return undefined
  const total = m[3] === '*' ? undefined : Number(m[3])
  if (total !== undefined && end >= total) return undefined
  return total === undefined ? { start, end } : { start, end, total }
}

/** The body of a 206 for bytes offset..offset+length-1. */
export async function readPartial (res: Response, offset: number, length: number, init: RangeInit): Promise<Uint8Array> {
  const end = offset + length - 1
  const cr = header(res, 'content-range', init.host)
  if (cr !== undefined) {
    const got = parseContentRange(cr)
    if (got === undefined || got.start !== offset || got.end !== end) {
      res.body.destroy()
      throw new OriginProtocolError(`origin ${init.host}: asked for bytes ${offset}-${end} of ${init.what}, got Content-Range ${JSON.stringify(cr.slice(0, 80))}`, init.host)
    }
  }
  const bytes = await readBody(res, length, `the range ${offset}-${end} of ${init.what}`, init)
  if (bytes.byteLength !== length) {
    throw new OriginProtocolError(`origin ${init.host}: the range ${offset}-${end} of ${init.what} has ${bytes.byteLength} bytes, not ${length}`, init.host)
  }
  return bytes
}

/** The range cut out of a 200 carrying the whole blob: what comes before is skipped, what comes after is not read. */
export async function sliceWhole (res: Response, offset: number, length: number, init: RangeInit): Promise<Uint8Array> {
  const end = offset + length - 1
  const declared = contentLength(res, init.host)
  if (declared !== undefined && declared <= end) {
    res.body.destroy()
    throw new OriginProtocolError(`origin ${init.host}: ${init.what} is ${declared} bytes; the range ${offset}-${end} ends beyond it`, init.host)
  }
  const out = new Uint8Array(length)
  let position = 0
  let filled = 0
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const chunkStart = position
      position += chunk.byteLength
      if (position <= offset) continue
      const from = Math.max(0, offset - chunkStart)
      const take = Math.min(chunk.byteLength - from, length - filled)
      out.set(chunk.subarray(from, from + take), filled)
      filled += take
      if (filled === length) break
    }
  } catch (err) {
    throw failure(err, { ...init, url: res.url })
  } finally {
    res.body.destroy()
  }
  if (filled !== length) throw new OriginProtocolError(`origin ${init.host}: ${init.what} ended before the range ${offset}-${end}`, init.host)
  return out
}
