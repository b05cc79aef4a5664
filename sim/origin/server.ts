/**
 * The embedded origin's HTTP server: the read side of the OCI distribution
 * API over `node:http`. GET and HEAD of `/v2/`, of manifests by tag or
 * digest, of blobs (with a single `Range`), and of `tags/list`; 404 with an
 * OCI error body for what it does not have; 405 UNSUPPORTED for any write.
 * Layer bodies are generated as they are sent, with backpressure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { API_VERSION_HEADER, KEEP_ALIVE_TIMEOUT_MS, MAX_PATH_CHARS, MEDIA_TYPE } from './constants.js'
import type { Blob, OriginContent } from './content.js'
import { parseRange, sendError } from './http.js'
import type { EmbeddedOriginStats } from './index.js'
import { layerChunks } from './layer-bytes.js'

const ROUTE_RE = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/
const TAGS_RE = /^\/v2\/(.+)\/tags\/list$/
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/

export class OriginServer {
  readonly stats: EmbeddedOriginStats = { requests: 0, manifestRequests: 0, blobRequests: 0, blobBytes: 0, manifestBytes: 0, notFound: 0 }
  private readonly server: Server
  private stopping: Promise<void> | undefined

  constructor (private readonly content: OriginContent) {
    this.server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => { this.handle(req, res) })
  }

  async listen (host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve() })
    })
    return this.server.address() as AddressInfo
  }

  /** Close the listener and every connection (bodies in flight are cut). Safe to call twice. */
  async stop (): Promise<void> {
    this.stopping ??= new Promise<void>(resolve => {
      if (!this.server.listening) { resolve(); return }
      this.server.close(() => { resolve() })
      this.server.closeAllConnections()
    })
    await this.stopping
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++
    const head = req.method === 'HEAD'
    const path = (req.url ?? '/').split('?')[0]!
    if (req.method !== 'GET' && !head) {
      sendError(res, false, 405, 'UNSUPPORTED', `${req.method ?? '?'} is not supported: the embedded origin is read-only`, { allow: 'GET, HEAD' })
      return
    }
    if (path === '/v2/' || path === '/v2') {
      const body = Buffer.from('{}')
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.byteLength), 'docker-distribution-api-version': API_VERSION_HEADER })
      res.end(head ? undefined : body)
      return
    }
    if (path.length > MAX_PATH_CHARS) { this.notFound(res, head, 'NAME_INVALID', 'the path is too long'); return }
    const tags = TAGS_RE.exec(path)
    if (tags != null) { this.tagList(res, head, tags[1]!); return }
    const m = ROUTE_RE.exec(path)
    if (m == null) { this.notFound(res, head, 'NAME_UNKNOWN', `no route for ${path.slice(0, 200)}`); return }
    const [, name, kind, ref] = m as unknown as [string, string, string, string]
    const repo = this.content.repositories.get(name)
    if (repo === undefined) { this.notFound(res, head, 'NAME_UNKNOWN', `repository ${name.slice(0, 300)} is not known`); return }
    if (kind === 'manifests') {
      this.stats.manifestRequests++
      const digest = DIGEST_RE.test(ref) ? ref : repo.tags.get(ref)
      const bytes = digest === undefined ? undefined : repo.manifests.get(digest)
      if (bytes === undefined) { this.notFound(res, head, 'MANIFEST_UNKNOWN', `manifest ${name}:${ref.slice(0, 200)} is not known`); return }
      res.writeHead(200, {
        'content-type': MEDIA_TYPE.manifest,
        'content-length': String(bytes.byteLength),
        'docker-content-digest': digest!,
        etag: `"${digest!}"`,
        'docker-distribution-api-version': API_VERSION_HEADER
      })
      if (!head) this.stats.manifestBytes += bytes.byteLength
      res.end(head ? undefined : bytes)
      return
    }
    this.stats.blobRequests++
    if (!DIGEST_RE.test(ref)) { sendError(res, head, 400, 'DIGEST_INVALID', `${ref.slice(0, 200)} is not a sha256 digest`); return }
    const blob = repo.blobs.has(ref) ? this.content.blobs.get(ref) : undefined
    if (blob === undefined) { this.notFound(res, head, 'BLOB_UNKNOWN', `blob ${ref} is not known in ${name}`); return }
    this.blob(req, res, head, ref, blob)
  }

  private blob (req: IncomingMessage, res: ServerResponse, head: boolean, digest: string, blob: Blob): void {
    const size = blob.kind === 'bytes' ? blob.bytes.byteLength : blob.layer.sizeBytes
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'docker-content-digest': digest,
      etag: `"${digest}"`,
      'accept-ranges': 'bytes',
      'docker-distribution-api-version': API_VERSION_HEADER
    }
    const range = head ? undefined : parseRange(req.headers.range, size)
    if (range === 'unsatisfiable') {
      sendError(res, false, 416, 'RANGE_INVALID', `the range ${req.headers.range ?? ''} is outside a blob of ${size} bytes`, { 'content-range': `bytes */${size}` })
      return
    }
    const start = range?.start ?? 0
    const end = range?.end ?? size
    if (range !== undefined) headers['content-range'] = `bytes ${start}-${end - 1}/${size}`
    headers['content-length'] = String(end - start)
    res.writeHead(range !== undefined ? 206 : 200, headers)
    if (head) { res.end(); return }
    if (blob.kind === 'bytes') {
      this.stats.blobBytes += end - start
      res.end(blob.bytes.subarray(start, end))
      return
    }
    const stats = this.stats
    const layer = blob.layer
    function * counted (): Generator<Uint8Array> {
      for (const chunk of layerChunks(layer, start, end)) {
        stats.blobBytes += chunk.byteLength
        yield chunk
      }
    }
    // A client that goes away ends the pipeline with an error: nothing to do but stop generating.
    pipeline(Readable.from(counted(), { objectMode: false }), res).catch(() => {})
  }

  private tagList (res: ServerResponse, head: boolean, name: string): void {
    const repo = this.content.repositories.get(name)
    if (repo === undefined) { this.notFound(res, head, 'NAME_UNKNOWN', `repository ${name.slice(0, 300)} is not known`); return }
    const body = Buffer.from(JSON.stringify({ name, tags: [...repo.tags.keys()].sort() }))
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.byteLength), 'docker-distribution-api-version': API_VERSION_HEADER })
    res.end(head ? undefined : body)
  }

  private notFound (res: ServerResponse, head: boolean, code: 'NAME_UNKNOWN' | 'NAME_INVALID' | 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN', message: string): void {
    this.stats.notFound++
    sendError(res, head, 404, code, message)
  }
}
