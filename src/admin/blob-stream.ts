/**
 * The two streaming routes: a blob uploaded into `DaemonApi.add`, and a blob
 * (or a byte range of it) streamed out of `DaemonApi.read`. Neither has a
 * total time limit (a blob can be gigabytes); each is cut when it moves no
 * byte for `streamIdleTimeoutMs` while waiting on the client.
 */
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { BlobNotFoundError } from '../store/errors.js'
import { StreamIdleError } from './errors.js'
import { acceptBody, parseRange, sendJson, type ByteRange } from './http.js'
import type { RouteContext } from './routes.js'

/** A timer that runs only while we wait on the client. */
class IdleTimer {
  private timer: NodeJS.Timeout | undefined
  constructor (private readonly ms: number, private readonly onIdle: () => void) {}
  start (): void {
    this.stop()
    this.timer = setTimeout(this.onIdle, this.ms)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}

export async function uploadBlob (ctx: RouteContext, expectedDigest: string | null): Promise<void> {
  const idle = new IdleTimer(ctx.streamIdleTimeoutMs, () => {
    const err = new StreamIdleError(`upload sent no byte for ${ctx.streamIdleTimeoutMs} ms`)
    ctx.abort(err)
    ctx.req.destroy(err)
  })
  acceptBody(ctx.req, ctx.res)
  try {
    const result = await ctx.api.add(requestChunks(ctx.req, idle), {
      ...(expectedDigest != null ? { expectedDigest } : {}),
      signal: ctx.signal
    })
    sendJson(ctx.res, 201, result, { location: `/v1/blobs/${result.digest}` })
  } finally {
    idle.stop()
  }
}

async function * requestChunks (req: IncomingMessage, idle: IdleTimer): AsyncGenerator<Uint8Array> {
  const it = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  while (true) {
    idle.start()
    let r: IteratorResult<Buffer>
    try {
      r = await it.next()
    } finally {
      idle.stop()
    }
    if (r.done === true) return
    yield r.value
  }
}

export async function downloadBlob (ctx: RouteContext, digest: string): Promise<void> {
  const { api, req, res, signal } = ctx
  let range: ByteRange | undefined
  let sizeBytes: number | undefined
  if (req.headers.range != null) {
    // A range needs the blob's size (for suffixes and Content-Range).
    const row = (await api.blobs()).find(b => b.digest === digest)
    if (row == null) throw new BlobNotFoundError(digest)
    sizeBytes = row.sizeBytes
    range = parseRange(req.headers.range, row.sizeBytes, digest)
  }
  const it = api.read(digest, { ...(range != null ? { offset: range.offset, length: range.length } : {}), signal })[Symbol.asyncIterator]()
  // Pull the first chunk before sending headers, so "not found" or "incomplete" is still a JSON error.
  let r = await it.next()
  const idle = new IdleTimer(ctx.streamIdleTimeoutMs, () => {
    const err = new StreamIdleError(`download of ${digest} read no byte for ${ctx.streamIdleTimeoutMs} ms`)
    ctx.abort(err)
    res.destroy(err)
  })
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'no-store'
  }
  if (range != null && sizeBytes != null) {
    headers['content-range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${sizeBytes}`
    headers['content-length'] = range.length
  }
  res.writeHead(range != null ? 206 : 200, headers)
  try {
    while (r.done !== true) {
      if (!res.write(r.value)) {
        idle.start()
        try {
          await once(res, 'drain', { signal })
        } finally {
          idle.stop()
        }
      }
      r = await it.next()
    }
    res.end()
  } finally {
    idle.stop()
    if (r.done !== true) await it.return?.(undefined).catch(() => {})
  }
}
