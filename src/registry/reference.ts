/**
 * Parsing what a client asks for: the `/v2/...` path, repository names, tags
 * and digests, with the grammar of the OCI distribution spec, and the `ns`
 * query parameter containerd adds to name the origin host.
 */
import { DigestInvalidError, NameInvalidError, TagInvalidError, UnsupportedError } from './errors.js'
import { MAX_NAME_BYTES } from './constants.js'

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*'
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
const SHA256_RE = /^sha256:[a-f0-9]{64}$/
/** A registry host: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

export type Route =
  | { kind: 'base' }
  | { kind: 'manifest', name: string, reference: Reference }
  | { kind: 'blob', name: string, digest: string }
  | { kind: 'referrers', name: string, digest: string }

export type Reference = { tag: string } | { digest: string }

export function isTagRef (ref: Reference): ref is { tag: string } {
  return 'tag' in ref
}

export function refString (ref: Reference): string {
  return isTagRef(ref) ? ref.tag : ref.digest
}

export function parseName (name: string): string {
  if (name.length > MAX_NAME_BYTES || !NAME_RE.test(name)) {
    throw new NameInvalidError(`invalid repository name ${JSON.stringify(name.slice(0, 300))}: use lower-case path components of letters and digits, separated by '.', '_', '__' or '-'`)
  }
  return name
}

export function parseDigest (s: string): string {
  if (SHA256_RE.test(s)) return s
  if (DIGEST_RE.test(s)) throw new DigestInvalidError(`digest ${JSON.stringify(s.slice(0, 150))}: only sha256 digests are supported`)
  throw new DigestInvalidError(`invalid digest ${JSON.stringify(s.slice(0, 150))}: expected sha256:<64 lower-case hex digits>`)
}

export function parseReference (s: string): Reference {
  if (s.includes(':')) return { digest: parseDigest(s) }
  if (!TAG_RE.test(s)) throw new TagInvalidError(`invalid tag ${JSON.stringify(s.slice(0, 150))}: at most 128 of letters, digits, '_', '.' and '-', not starting with '.' or '-'`)
  return { tag: s }
}

export function isRegistryHost (s: string): boolean {
  return s.length <= 260 && HOST_RE.test(s)
}

/**
 * Parse the path of a request (without the query). The repository name may
 * itself contain slashes, so the route is found from the end.
 */
export function parseRoute (path: string): Route {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' }
  if (!path.startsWith('/v2/')) throw new UnsupportedError(`not a registry API path: ${JSON.stringify(path.slice(0, 200))}`)
  let decoded: string
  try {
    decoded = decodeURIComponent(path.slice(4))
  } catch {
    throw new NameInvalidError('the path is not valid percent-encoding')
  }
  const m = /^(.+)\/(manifests|blobs|tags|referrers)\/([^/]+)$/.exec(decoded)
  if (m == null) {
    if (/\/blobs\/uploads\/?/.test(decoded)) throw new UnsupportedError('this mirror is read-only: push to the origin registry')
    throw new UnsupportedError(`no such registry API route: ${JSON.stringify(path.slice(0, 200))}`)
  }
  const [, rawName = '', what, last = ''] = m
  const name = parseName(rawName)
  switch (what) {
    case 'manifests': return { kind: 'manifest', name, reference: parseReference(last) }
    case 'blobs': return { kind: 'blob', name, digest: parseDigest(last) }
    case 'referrers': return { kind: 'referrers', name, digest: parseDigest(last) }
    default: throw new UnsupportedError(`${what} is not served by this mirror`)
  }
}

/** Docker Hub's well-known name and its single-segment official images. */
export function canonicalOrigin (host: string, name: string): { host: string, name: string } {
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') {
    return { host: 'docker.io', name: name.includes('/') ? name : `library/${name}` }
  }
  return { host, name }
}

export interface ImageReference {
  host: string
  name: string
  reference: Reference
}

/**
 * Parse an image reference as tools write it: `[HOST/]NAME[:TAG|@DIGEST]`.
 * The first component is a host when it has a '.' or ':' or is `localhost`
 * (docker's rule); otherwise the host is docker.io. No tag means `latest`.
 */
export function parseImageReference (s: string): ImageReference {
  let rest = s
  let reference: Reference | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    reference = { digest: parseDigest(rest.slice(at + 1)) }
    rest = rest.slice(0, at)
  }
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const host = hasHost ? first : 'docker.io'
  let path = hasHost ? rest.slice(slash + 1) : rest
  if (reference == null) {
    const colon = path.lastIndexOf(':')
    if (colon >= 0) {
      reference = parseReference(path.slice(colon + 1))
      path = path.slice(0, colon)
    } else {
      reference = { tag: 'latest' }
    }
  }
  if (!isRegistryHost(host)) throw new NameInvalidError(`${JSON.stringify(host)} in ${JSON.stringify(s)} is not a registry host`)
  const c = canonicalOrigin(host, parseName(path))
  return { host: c.host, name: c.name, reference }
}
