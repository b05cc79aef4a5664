/**
 * The push side of the fake registry: monolithic blob uploads (POST for a
 * session, PUT of the bytes with `digest=`, checked), manifest PUTs (checked
 * as Distribution checks them: JSON, a media type that agrees with the
 * Content-Type, every blob and manifest it names present, a digest reference
 * that is its digest; stored under the tag and the digest), and the
 * Referrers API over the manifests put with a `subject`.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FakeRegistry } from './fake-registry.js'
import { sha256 } from './fake-registry.js'

export type ReferrersApi = 'on' | 'unsupported' | 'absent'

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/

interface Descriptor { mediaType: string, digest: string, size: number, artifactType?: string, annotations?: Record<string, string> }

export class FakePush {
  /** Upload sessions by id: the repository and the `_state` the PUT must bring back. */
  readonly uploads = new Map<string, { name: string, state: string }>()
  /** Referrers by "<name>@<subject digest>". */
  readonly referrers = new Map<string, Descriptor[]>()

  constructor (private readonly registry: FakeRegistry, private readonly options: { location: 'relative' | 'absolute', query: boolean }) {}

  startUpload (res: ServerResponse, name: string, base: string): void {
    const id = randomBytes(8).toString('hex')
    const state = randomBytes(6).toString('base64url') + '=='
    this.uploads.set(id, { name, state })
    const path = `/v2/${name}/blobs/uploads/${id}${this.options.query ? `?_state=${encodeURIComponent(state)}` : ''}`
    res.writeHead(202, { location: this.options.location === 'absolute' ? `${base}${path}` : path, 'docker-upload-uuid': id, range: '0-0', 'content-length': 0 })
    res.end()
  }

  finishUpload (res: ServerResponse, name: string, id: string, url: URL, body: Buffer): void {
    const upload = this.uploads.get(id)
    if (upload?.name !== name) return this.registry.error(res, 404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown`)
    if (this.options.query && url.searchParams.get('_state') !== upload.state) return this.registry.error(res, 400, 'BLOB_UPLOAD_INVALID', 'the _state of the upload is missing or wrong')
    const digest = url.searchParams.get('digest') ?? ''
    if (!DIGEST_RE.test(digest)) return this.registry.error(res, 400, 'DIGEST_INVALID', `no usable digest: ${JSON.stringify(digest)}`)
    if (sha256(body) !== digest) return this.registry.error(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content')
    this.uploads.delete(id)
    this.registry.blobs.set(digest, body)
    res.writeHead(201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': 0 })
    res.end()
  }

  putManifest (req: IncomingMessage, res: ServerResponse, name: string, ref: string, body: Buffer): void {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
    let doc: { mediaType?: unknown, config?: { digest?: unknown, mediaType?: unknown }, layers?: unknown, manifests?: unknown, subject?: { digest?: unknown }, artifactType?: unknown, annotations?: unknown }
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc
    } catch {
      return this.registry.error(res, 400, 'MANIFEST_INVALID', 'manifest invalid: not JSON')
    }
    if (doc === null || typeof doc !== 'object') return this.registry.error(res, 400, 'MANIFEST_INVALID', 'manifest invalid: not an object')
    if (doc.mediaType !== undefined && doc.mediaType !== contentType) {
      return this.registry.error(res, 400, 'MANIFEST_INVALID', `manifest invalid: mediaType ${String(doc.mediaType)} is not the Content-Type ${contentType}`)
    }
    const digest = sha256(body)
    if (ref.startsWith('sha256:') && ref !== digest) return this.registry.error(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content')
    const blobs = contentType === OCI_INDEX ? [] : [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])]
    for (const b of blobs as Array<{ digest?: unknown } | undefined>) {
      if (typeof b?.digest !== 'string' || !this.registry.blobs.has(b.digest)) return this.registry.error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${String(b?.digest)}`)
    }
    for (const m of (Array.isArray(doc.manifests) ? doc.manifests : []) as Array<{ digest?: unknown }>) {
      if (typeof m?.digest !== 'string' || !this.registry.manifests.has(`${name}:${m.digest}`)) return this.registry.error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `manifest unknown to registry: ${String(m?.digest)}`)
    }
    this.registry.storeManifest(name, ref, body, contentType)
    const headers: Record<string, string | number> = { location: `/v2/${name}/manifests/${digest}`, 'docker-content-digest': digest, 'content-length': 0 }
    const subject = typeof doc.subject?.digest === 'string' ? doc.subject.digest : undefined
    if (subject !== undefined) {
      const d: Descriptor = { mediaType: contentType, digest, size: body.byteLength }
      const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : (typeof doc.config?.mediaType === 'string' ? doc.config.mediaType : undefined)
      if (artifactType !== undefined) d.artifactType = artifactType
      if (doc.annotations !== undefined) d.annotations = doc.annotations as Record<string, string>
      const key = `${name}@${subject}`
      this.referrers.set(key, [...(this.referrers.get(key) ?? []).filter(r => r.digest !== digest), d])
      headers['oci-subject'] = subject
    }
    res.writeHead(201, headers)
    res.end()
  }

  /** The referrers index of a subject, paged by `referrersPageSize` (`?page=N`), filtered by `artifactType` if `referrersFilter`. */
  serveReferrers (res: ServerResponse, name: string, digest: string, url: URL): void {
    if (!DIGEST_RE.test(digest)) return this.registry.error(res, 400, 'DIGEST_INVALID', 'invalid digest')
    const artifactType = url.searchParams.get('artifactType')
    const filter = artifactType !== null && this.registry.referrersFilter
    const all = (this.referrers.get(`${name}@${digest}`) ?? []).filter(d => !filter || d.artifactType === artifactType)
    const size = this.registry.referrersPageSize
    const page = Number(url.searchParams.get('page') ?? '0')
    const manifests = all.slice(page * size, (page + 1) * size)
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
    const headers: Record<string, string | number> = { 'content-type': OCI_INDEX, 'content-length': body.byteLength }
    if (filter) headers['oci-filters-applied'] = 'artifactType'
    if ((page + 1) * size < all.length) {
      const next = new URL(url.pathname, 'http://fake')
      if (artifactType !== null) next.searchParams.set('artifactType', artifactType)
      next.searchParams.set('page', String(page + 1))
      headers.link = `<${next.pathname}${next.search}>; rel="next"`
    }
    res.writeHead(200, headers)
    res.end(body)
  }
}
