/**
 * A streaming HTTP reverse proxy that records every request and counts the
 * response body bytes it forwards. Put it between containerd and a registry
 * (as the hosts.toml mirror) or between shoal and its origin, to see which
 * requests were made and how many blob bytes crossed it. Bodies are piped,
 * never buffered.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  method: string
  /** Path and query string as received, e.g. `/v2/repo/blobs/sha256:...?ns=127.0.0.1:5000`. */
  path: string
  /** Request headers as received (Accept, Range, Authorization...). */
  headers: IncomingHttpHeaders
  /** Upstream status; 502 when the upstream could not be reached. */
  status: number
  /** Response body bytes forwarded so far. */
  bytes: number
  /** True once the response body has been forwarded completely. */
  done: boolean
}

export interface CountingProxy {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `127.0.0.1:PORT` */
  host: string
  requests: ProxiedRequest[]
  /** Response body bytes of every GET of a `/blobs/` path. */
  blobBytes: () => number
  /** Forgets the recorded requests. */
  reset: () => void
  stop: () => Promise<void>
}

const BLOB_PATH = /^\/v2\/.+\/blobs\/[^/?]+/

export async function startCountingProxy (target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  if (upstream.protocol !== 'http:') throw new Error(`counting proxy: only http:// targets, not ${target}`)
  const agent = new Agent({ keepAlive: true })
  const requests: ProxiedRequest[] = []

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, status: 0, bytes: 0, done: false }
    requests.push(entry)
    const up = request({
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: entry.method,
      path: entry.path,
      headers: { ...req.headers, host: upstream.host }
    }, upRes => {
      entry.status = upRes.statusCode ?? 0
      res.writeHead(entry.status, upRes.statusMessage, upRes.headers)
      upRes.on('data', (chunk: Buffer) => { entry.bytes += chunk.byteLength })
      upRes.on('end', () => { entry.done = true })
      upRes.pipe(res)
      res.on('close', () => { if (!res.writableFinished) upRes.destroy() })
    })
    up.on('error', err => {
      if (res.headersSent) {
        res.destroy(err)
        return
      }
      entry.status = 502
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`counting proxy: ${err.message}\n`)
    })
    req.pipe(up)
    req.on('error', () => { up.destroy() })
  }

  const server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { resolve() })
  })
  const { port } = server.address() as AddressInfo
  const host = `127.0.0.1:${port}`

  let stopped = false
  return {
    url: `http://${host}`,
    host,
    requests,
    blobBytes: () => requests
      .filter(r => r.method === 'GET' && BLOB_PATH.test(r.path))
      .reduce((n, r) => n + r.bytes, 0),
    reset: () => { requests.length = 0 },
    async stop () {
      if (stopped) return
      stopped = true
      const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
      server.closeAllConnections()
      agent.destroy()
      await closed
    }
  }
}
