/**
 * An in-process OCI registry for the origin client's tests (node:http or
 * node:https): manifests and blobs from maps, optional Bearer auth (with its
 * token endpoint; reads need `pull` in the token's scope, writes `push`) or
 * Basic auth, Range support, and faults on demand: fail the next N requests
 * (of a method) with a status or a closed socket, hang, stall a blob part
 * way, redirect blobs to another server. It takes pushes too (see
 * `fake-push.ts`): monolithic blob uploads, manifest PUTs, and the Referrers
 * API, which can be switched off. Every request is recorded.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { FakePush, type ReferrersApi } from './fake-push.js'

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
  /** How a valid token without the action a request needs is refused: 401 with an insufficient_scope challenge, or a bare 403. @default 401 */
  insufficientScopeStatus?: 401 | 403
  /** Upload Locations: a path, or a whole URL; with `uploadQuery`, carrying `?_state=...` that the PUT must bring back. @default 'relative' */
  uploadLocation?: 'relative' | 'absolute'
  uploadQuery?: boolean
}

export interface RecordedRequest {
  method: string
  url: string
  authorization?: string
  range?: string
  accept?: string
  contentType?: string
  /** Length of the request body (POST, PUT). */
  bodyBytes?: number
}

type Failure = { status: number, retryAfter?: string } | 'close'
type Action = 'pull' | 'push'

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
  /** 'on'; 'unsupported': 404 with an OCI UNSUPPORTED error; 'absent': a plain 404, as Distribution 2.8 answers. */
  referrersApi: ReferrersApi = 'on'
  /** The Referrers API applies `artifactType` itself (and says so in OCI-Filters-Applied); off, it ignores it. */
  referrersFilter = true
  /** Referrers per page (the next one linked by a Link header). */
  referrersPageSize = 1000
  /** When set, the Referrers API answers this (200) instead. */
  referrersAnswer: { contentType: string, body: string } | undefined
  /** Users (and tokens) may push. Off, the token endpoint grants `pull` only and Basic pushes get 403 DENIED. */
  pushAllowed = true
  private readonly push: FakePush
  private readonly failures: Array<{ failure: Failure, method?: string }> = []
  private readonly tokens = new Map<string, { scope: string, expiresAtMs: number }>()
  private readonly server: Server
  private port = 0

  constructor (private readonly options: FakeRegistryOptions = {}) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      })
    }
    this.push = new FakePush(this, { location: options.uploadLocation ?? 'relative', query: options.uploadQuery === true })
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

  /** The next `n` requests (any path; only those of `method`, if given) fail with `failure`: a status (503 by default) or a closed socket. */
  failNext (n: number, failure: Failure = { status: 503 }, method?: string): void {
    for (let i = 0; i < n; i++) this.failures.push(method === undefined ? { failure } : { failure, method })
  }

  /** Store a manifest put under `ref` (a tag or its digest). */
  storeManifest (repo: string, ref: string, bytes: Buffer, mediaType: string): void {
    this.manifests.set(`${repo}:${ref}`, { bytes, mediaType })
    this.manifests.set(`${repo}:${sha256(bytes)}`, { bytes, mediaType })
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '' }
    if (req.headers.authorization !== undefined) recorded.authorization = req.headers.authorization
    if (req.headers.range !== undefined) recorded.range = req.headers.range
    if (req.headers.accept !== undefined) recorded.accept = req.headers.accept
    if (req.headers['content-type'] !== undefined) recorded.contentType = req.headers['content-type']
    this.requests.push(recorded)
    if (this.hang) return
    const at = this.failures.findIndex(f => f.method === undefined || f.method === req.method)
    const failure = at === -1 ? undefined : this.failures.splice(at, 1)[0]?.failure
    if (failure === 'close') {
      req.socket.destroy()
      return
    }
    if (failure !== undefined) {
      res.writeHead(failure.status, failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {})
      res.end()
      return
    }
    const body = req.method === 'POST' || req.method === 'PUT' ? await readAll(req) : undefined
    if (body !== undefined) recorded.bodyBytes = body.byteLength
    const url = new URL(req.url ?? '/', 'http://fake')
    if (url.pathname === '/token') return this.token(req, res, url)
    const storage = /^\/storage\/(sha256:[a-f0-9]{64})$/.exec(url.pathname)
    if (storage?.[1] !== undefined) return this.serveBlob(req, res, storage[1])
    const action: Action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push'
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname)
    if (upload != null) {
      const [, name = '', session = ''] = upload
      if (!this.authorized(req, res, name, action)) return
      if (req.method === 'POST' && session === '') return this.push.startUpload(res, name, this.url)
      if (req.method === 'PUT' && session !== '') return this.push.finishUpload(res, name, session, url, body ?? Buffer.alloc(0))
      return this.error(res, 405, 'UNSUPPORTED', `${req.method ?? ''} of an upload`)
    }
    const referrers = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname)
    if (referrers != null && this.referrersApi === 'absent') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('404 page not found\n')
      return
    }
    if (referrers != null) {
      const [, name = '', digest = ''] = referrers
      if (!this.authorized(req, res, name, action)) return
      if (this.referrersApi === 'unsupported') return this.error(res, 404, 'UNSUPPORTED', 'the referrers API is not supported')
      if (this.referrersAnswer !== undefined) {
        res.writeHead(200, { 'content-type': this.referrersAnswer.contentType })
        res.end(this.referrersAnswer.body)
        return
      }
      return this.push.serveReferrers(res, name, digest, url)
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname)
    if (m == null) return this.error(res, 404, 'NAME_UNKNOWN', 'no such route')
    const [, name = '', kind, ref = ''] = m
    if (!this.authorized(req, res, name, action)) return
    if (kind === 'manifests' && req.method === 'PUT') return this.push.putManifest(req, res, name, ref, body ?? Buffer.alloc(0))
    if (action === 'push') return this.error(res, 405, 'UNSUPPORTED', `${req.method ?? ''} ${kind}`)
    if (kind === 'manifests') return this.serveManifest(req, res, name, ref)
    if (this.redirectBlobsTo !== undefined) {
      res.writeHead(307, { location: `${this.redirectBlobsTo}/storage/${ref}?sig=${randomBytes(4).toString('hex')}` })
      res.end()
      return
    }
    this.serveBlob(req, res, ref)
  }

  private authorized (req: IncomingMessage, res: ServerResponse, name: string, action: Action): boolean {
    const auth = this.options.auth ?? 'none'
    const header = req.headers.authorization ?? ''
    if (auth === 'basic') {
      if (this.checkBasic(header)) {
        if (action === 'pull' || this.pushAllowed) return true
        this.error(res, 403, 'DENIED', 'requested access to the resource is denied')
        return false
      }
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fake registry, with a comma"', 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
      return false
    }
    if (auth === 'bearer') {
      const scope = action === 'pull' ? `repository:${name}:pull` : `repository:${name}:pull,push`
      const token = header.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined
      const live = token !== undefined && Date.now() < token.expiresAtMs
      if (live && grants(token.scope, name, action)) return true
      if (live && this.options.insufficientScopeStatus === 403) {
        this.error(res, 403, 'DENIED', 'requested access to the resource is denied')
        return false
      }
      const error = live ? ',error="insufficient_scope"' : ''
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${this.url}/token",service="fake,registry",scope="${scope}"${error}`, 'content-type': 'application/json' })
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
    // Like real token servers, grant what may be granted of what was asked, silently.
    const scopes = url.searchParams.getAll('scope').map(s => this.pushAllowed ? s : s.replace(/:([a-z,]*)$/, (_, actions: string) => `:${actions.split(',').filter(a => a !== 'push').join(',')}`))
    this.tokens.set(token, { scope: scopes.join(' '), expiresAtMs: Date.now() + expiresInS * 1000 })
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

  error (res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ errors: [{ code, message }] }))
  }
}

/** Whether a token's scope ("repository:<name>:<actions> ...") allows `action` on `name`. */
function grants (scope: string, name: string, action: Action): boolean {
  return scope.split(' ').some(s => {
    const m = /^repository:(.+):([a-z,*]*)$/.exec(s)
    return m?.[1] === name && (m[2] ?? '').split(',').some(a => a === action || a === '*')
  })
}

async function readAll (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export function sha256 (bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}
