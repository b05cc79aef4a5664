/**
 * A blob body as it streams: counted against its Content-Length (more bytes,
 * or the end before all of them, is an OriginProtocolError), with a stall or
 * a dropped connection an OriginUnavailableError and an abort the signal's
 * reason. Leaving the loop early releases the connection.
 */
import { OriginProtocolError } from './errors.js'
import { failure, type Response } from './http.js'

export interface BlobBodyInit {
  host: string
  timeoutMs: number
  signal?: AbortSignal
  what: string
}

export async function * blobBody (res: Response, sizeBytes: number, init: BlobBodyInit): AsyncGenerator<Uint8Array, void, undefined> {
  let seen = 0
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      seen += chunk.byteLength
      if (seen > sizeBytes) throw new OriginProtocolError(`origin ${init.host}: ${init.what} is longer than its Content-Length ${sizeBytes}`, init.host)
      yield chunk
    }
  } catch (err) {
    throw failure(err, { ...init, url: res.url })
  } finally {
    if (!res.body.destroyed) res.body.destroy()
  }
  if (seen !== sizeBytes) throw new OriginProtocolError(`origin ${init.host}: ${init.what} ended after ${seen} of ${sizeBytes} bytes`, init.host)
}
