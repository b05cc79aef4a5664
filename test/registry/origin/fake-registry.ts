/**
 * An in-process OCI registry for the origin client's tests (node:http or
 * node:https): manifests and blobs from maps, optional Bearer auth (with its
 * token endpoint) or Basic auth, Range support, and faults on demand: fail
 * the next N requests with a status or a closed socket, hang, stall a blob
 * part way, redirect blobs to another server. Every request is recorded.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface FakeRegistryOptions {
  /** 'bearer': a 401 with a Bearer challenge, tokens from `/token`; 'basic': a 401 with a Basic challenge. @default 'none' */
  auth?: 'none' | 'bearer' | 'basic'
  /** user → password. Basic auth checks them; the token endpoint requires one of them when any are set. */
  users?: Record<string, string>
  /** `expires_in` of the tokens issued (they really expire then). @default 60 */
  tokenExpiresInS?: number
  /** The token endpoint answers `access_token` instead of `token`. */
  accessTokenField?: boolean
  /** Pad the token response with this many bytes of whitespace. */
  tokenPaddingBytes?: number
  tls?: { key: string | Buffer, cert: string | Buffer }
  /** Answer ranged requests with the whole blob (200). */
  ignoreRange?: boolean
  /** Leave out Content-Type on manifests (the client must read the JSON `mediaType`). */
  omitManifestContentType?: boolean
}

export interface RecordedRequest {
  method: string
  url: string
  authorization?: string
  range?: string
  accept?: string
}

type Failure = { status: number, retryAfter?: string } | 'close'

export class FakeRegistry {
  readonly manifests = new Map<string, { bytes: Buffer, mediaType: string }>()
  readonly blobs = new Map<string, Buffer>()
  readonly requests: RecordedRequest[] = []
  tokenRequests = 0
  /** Requests get no answer while set. */
  hang = false
  /** Blob requests are redirected (307) to `${redirectBlobsTo}/storage/<digest>?sig=...` (another FakeRegistry's URL). */
  redirectBlobsTo: string | undefined
  /** Blob bodies stop after this many bytes (the connection stays open). */
  stallBlobsAfterBytes: number | undefined
  private readonly failures: Failure[] = []
  private readonly tokens = new Map<string, { scope: string, expiresAtMs: number }>()
  private readonly server: Server
  private port = 0

  constructor (private readonly options: FakeRegistryOptions = {}) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => { this.handle(req, res) }
    this.server = options.tls !== undefined ? createHttpsServer(options.tls, handler) : createHttpServer(handler)
  }

  /** "127.0.0.1:PORT" */
  get host (): string { return `127.0.0.1:${this.port}` }
  get url (): string { return `${this.options.tls !== undefined ? 'https' : 'http'}://${this.host}` }
  /** Requests to the registry API (not the token endpoint). */
  get apiRequests (): RecordedRequest[] { return this.requests.filter(r => r.url.startsWith('/v2/')) }

  async start (): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => { resolve() })
    })
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop (): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  /** Forget every token issued (as if they were revoked). */
  revokeTokens (): void {
    this.tokens.clear()
  }

  /** Store a manifest under its tag and its digest; returns the digest. */
  addManifest (repo: string, tag: string, manifest: object | string, mediaType: string): string {
    const bytes = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest))
    const digest = sha256(bytes)
    this.manifests.set(`${repo}:${tag}`, { bytes, mediaType })
    this.manifests.set(`${repo}:${digest}`, { bytes, mediaType })
    return digest
  }

  addBlob (bytes: Uint8Array): string {
    const digest = sha256(bytes)
    this.blobs.set(digest, Buffer.from(bytes))
    return digest
  }

  /** The next `n` requests (any path) fail with `failure`: a status (503 by default) or a closed socket. */
  failNext (n: number, failure: Failure = { status: 503 }): void {
    for (let i = 0; i < n; i++) this.failures.push(failure)
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '' }
    if (req.headers.authorization !== undefined) recorded.authorization = req.headers.authorization
    if (req.headers.range !== undefined) recorded.range = req.headers.range
    if (req.headers.accept !== undefined) recorded.accept = req.headers.accept
    this.requests.push(recorded)
    if (this.hang) return
    const failure = this.failures.shift()
    if (failure === 'close') {
      req.socket.destroy()
      return
    }
    if (failure !== undefined) {
      res.writeHead(failure.status, failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {})
      res.end()
      return
    }
    const url = new URL(req.url ?? '/', 'http://fake')
    if (url.pathname === '/token') return this.token(req, res, url)
    const storage = /^\/storage\/(sha256:[a-f0-9]{64})$/.exec(url.pathname)
    if (storage?.[1] !== undefined) return this.serveBlob(req, res, storage[1])
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname)
    if (m == null) return this.error(res, 404, 'NAME_UNKNOWN', 'no such route')
    const [, name = '', kind, ref = ''] = m
    if (!this.authorized(req, res, name)) return
    if (kind === 'manifests') return this.serveManifest(req, res, name, ref)
    if (this.redirectBlobsTo !== undefined) {
      res.writeHead(307, { location: `${this.redirectBlobsTo}/storage/${ref}?sig=${randomBytes(4).toString('hex')}` })
      res.end()
      return
    }
    this.serveBlob(req, res, ref)
  }

  private authorized (req: IncomingMessage, res: ServerResponse, name: string): boolean {
    const auth = this.options.auth ?? 'none'
    const header = req.headers.authorization ?? ''
    if (auth === 'basic') {
      if (this.checkBasic(header)) return true
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fake registry, with a comma"', 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
      return false
    }
    if (auth === 'bearer') {
      const scope = `repository:${name}:pull`
      const token = header.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined
      if (token !== undefined && token.scope.split(' ').includes(scope) && Date.now() < token.expiresAtMs) return true
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${this.url}/token",service="fake,registry",scope="${scope}"`, 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
      return false
    }
    return true
  }

  private checkBasic (header: string): boolean {
    if (!header.startsWith('Basic ')) return false
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const users = this.options.users ?? {}
    return colon > 0 && Object.hasOwn(users, decoded.slice(0, colon)) && users[decoded.slice(0, colon)] === decoded.slice(colon + 1)
  }

  private token (req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.tokenRequests++
    if (Object.keys(this.options.users ?? {}).length > 0 && !this.checkBasic(req.headers.authorization ?? '')) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ details: 'incorrect username or password' }))
      return
    }
    const token = randomBytes(16).toString('hex')
    const expiresInS = this.options.tokenExpiresInS ?? 60
    this.tokens.set(token, { scope: url.searchParams.getAll('scope').join(' '), expiresAtMs: Date.now() + expiresInS * 1000 })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ [this.options.accessTokenField === true ? 'access_token' : 'token']: token, expires_in: expiresInS }) + ' '.repeat(this.options.tokenPaddingBytes ?? 0))
  }

  private serveManifest (req: IncomingMessage, res: ServerResponse, name: string, ref: string): void {
    const m = this.manifests.get(`${name}:${ref}`)
    if (m === undefined) return this.error(res, 404, 'MANIFEST_UNKNOWN', `manifest ${name}:${ref} unknown`)
    const headers: Record<string, string | number> = { 'content-length': m.bytes.byteLength, 'docker-content-digest': sha256(m.bytes) }
    if (this.options.omitManifestContentType !== true) headers['content-type'] = `${m.mediaType}; charset=utf-8`
    res.writeHead(200, headers)
    res.end(req.method === 'HEAD' ? undefined : m.bytes)
  }

  private serveBlob (req: IncomingMessage, res: ServerResponse, digest: string): void {
    const blob = this.blobs.get(digest)
    if (blob === undefined) return this.error(res, 404, 'BLOB_UNKNOWN', `blob ${digest} unknown`)
    let status = 200
    let body = blob
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'docker-content-digest': digest }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (range != null && this.options.ignoreRange !== true) {
      const start = Number(range[1])
      const end = Math.min(Number(range[2]), blob.byteLength - 1)
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${blob.byteLength}` })
        res.end()
        return
      }
      status = 206
      body = blob.subarray(start, end + 1)
      headers['content-range'] = `bytes ${start}-${end}/${blob.byteLength}`
    }
    headers['content-length'] = body.byteLength
    res.writeHead(status, headers)
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    if (this.stallBlobsAfterBytes !== undefined) {
      res.write(body.subarray(0, this.stallBlobsAfterBytes))
      return
    }
    res.end(body)
  }

  private error (res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ errors: [{ code, message }] }))
  }
}

export function sha256 (bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}
