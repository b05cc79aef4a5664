/**
 * The push side of the distribution API, for small artifacts held in memory.
 * A blob is HEADed and, when absent, uploaded monolithically: a POST opens an
 * upload session, and one PUT of all the bytes to the session's `Location`
 * (relative or absolute, perhaps with a query of its own, like
 * Distribution's `_state`, which is kept) with `digest=` closes it. A
 * manifest is PUT under its tag or digest. What is pushed is checked here
 * first, so a wrong digest never reaches the registry.
 */
import { MAX_MANIFEST_BYTES } from '../constants.js'
import type { Authenticator } from './auth.js'
import { MAX_PUSH_BLOB_BYTES } from './constants.js'
import { isDigest } from './endpoint.js'
import { InvalidOriginRequestError, OriginProtocolError } from './errors.js'
import { exchange, fail, failWrite, type Target } from './exchange.js'
import { discard, header } from './http.js'
import { digestOf, mediaTypeOf } from './manifest.js'

/** InvalidOriginRequestError unless `bytes` fit MAX_PUSH_BLOB_BYTES and hash to `digest` (already checked to be one). */
export function checkBlobBytes (host: string, digest: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidOriginRequestError('a blob to push must be a Uint8Array', host)
  if (bytes.byteLength > MAX_PUSH_BLOB_BYTES) {
    throw new InvalidOriginRequestError(`blob ${digest} is ${bytes.byteLength} bytes; putBlob takes at most ${MAX_PUSH_BLOB_BYTES}`, host)
  }
  const actual = digestOf(bytes, digest.startsWith('sha512:') ? 'sha512' : 'sha256')
  if (actual !== digest) throw new InvalidOriginRequestError(`the bytes given for blob ${digest} hash to ${actual}`, host)
}

/**
 * InvalidOriginRequestError unless the manifest is 1 byte to MAX_MANIFEST_BYTES,
 * its media type is a bare one (no parameters, lower case), and a digest
 * `ref` is its digest.
 */
export function checkManifestBytes (host: string, ref: string, bytes: Uint8Array, mediaType: string): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidOriginRequestError('a manifest to push must be a Uint8Array', host)
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new InvalidOriginRequestError(`a manifest to push is ${bytes.byteLength} bytes; it must be 1 to ${MAX_MANIFEST_BYTES}`, host)
  }
  if (typeof mediaType !== 'string' || mediaTypeOf(mediaType) !== mediaType) {
    throw new InvalidOriginRequestError(`invalid manifest media type ${JSON.stringify(String(mediaType).slice(0, 200))}: expected e.g. application/vnd.oci.image.manifest.v1+json`, host)
  }
  if (isDigest(ref)) {
    const actual = digestOf(bytes, ref.startsWith('sha512:') ? 'sha512' : 'sha256')
    if (actual !== ref) throw new InvalidOriginRequestError(`the manifest pushed as ${ref} hashes to ${actual}`, host)
  }
}

/** Whether the registry has the blob `t` names: 200 (or 206, where a HEAD was redirected) yes, 404 no, else the error. */
export async function blobExists (auth: Authenticator, t: Target, signal?: AbortSignal): Promise<boolean> {
  const res = await exchange(auth, t, { method: 'HEAD', headers: {}, headAsRangeGet: true, ...signalOf(signal) })
  const status = res.statusCode
  if (status !== 200 && status !== 206 && status !== 404) return await fail(res, t, signal)
  // A GET of bytes=0-0 that a storage backend answered with the whole blob must not be read.
  if (status === 200 && res.url.origin !== t.url.origin) res.body.destroy()
  else discard(res.body)
  return status !== 404
}

/**
 * One monolithic upload: POST to `uploads` (202 with a Location), then PUT of
 * the bytes there with `digest=` (201). A failure anywhere is the caller's
 * to retry from the POST: an upload session is not resumed.
 */
export async function uploadBlob (auth: Authenticator, uploads: Target, digest: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  const started = await exchange(auth, uploads, { method: 'POST', headers: {}, ...signalOf(signal) })
  if (started.statusCode !== 202) return await failWrite(started, uploads, signal)
  discard(started.body)
  const location = header(started, 'location', uploads.host)?.trim()
  if (location === undefined || location === '') {
    throw new OriginProtocolError(`origin ${uploads.host} answered ${uploads.what} with 202 but no Location to upload to`, uploads.host)
  }
  const session: Target = { ...uploads, url: sessionUrl(location, started.url, digest, uploads) }
  const done = await exchange(auth, session, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes, ...signalOf(signal) })
  if (done.statusCode < 200 || done.statusCode > 299) return await failWrite(done, session, signal)
  discard(done.body)
  checkClaimedDigest(header(done, 'docker-content-digest', uploads.host), digest, uploads)
}

/** PUT a manifest (checked with `checkManifestBytes`); its digest as the registry reports it, else the sha256 of the bytes. */
export async function putManifestAt (auth: Authenticator, t: Target, bytes: Uint8Array, mediaType: string, signal?: AbortSignal): Promise<string> {
  const res = await exchange(auth, t, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes, ...signalOf(signal) })
  if (res.statusCode < 200 || res.statusCode > 299) return await failWrite(res, t, signal)
  discard(res.body)
  const digest = digestOf(bytes)
  const claimed = checkClaimedDigest(header(res, 'docker-content-digest', t.host), digest, t)
  return claimed ?? digest
}

/**
 * Where the bytes of an upload go: the session's Location resolved against
 * the URL that answered with it, with `digest=` added to whatever query it
 * has (the query is added to as it is, not re-encoded: registries keep state
 * in it).
 */
export function sessionUrl (location: string, base: URL, digest: string, t: Pick<Target, 'host' | 'what'>): URL {
  let url: URL
  try {
    url = new URL(location, base)
  } catch {
    throw new OriginProtocolError(`origin ${t.host}: the upload Location for ${t.what} is not a URL (${JSON.stringify(location.slice(0, 200))})`, t.host)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OriginProtocolError(`origin ${t.host}: the upload Location for ${t.what} is a ${url.protocol} URL`, t.host)
  }
  url.hash = ''
  url.search = `${url.search === '' ? '?' : `${url.search}&`}digest=${encodeURIComponent(digest)}`
  return url
}

/** A Docker-Content-Digest of the same algorithm must be the digest of what was sent; a usable one is returned. */
function checkClaimedDigest (value: string | undefined, digest: string, t: Pick<Target, 'host' | 'what'>): string | undefined {
  const claimed = value?.trim()
  if (claimed === undefined || !isDigest(claimed)) return undefined
  if (claimed.slice(0, claimed.indexOf(':')) === digest.slice(0, digest.indexOf(':')) && claimed !== digest) {
    throw new OriginProtocolError(`origin ${t.host} says it stored ${claimed.slice(0, 80)} for ${t.what}, whose digest is ${digest}`, t.host)
  }
  return claimed
}

function signalOf (signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal !== undefined ? { signal } : {}
}
