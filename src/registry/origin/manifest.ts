/**
 * What a manifest response means: its digest (sha256 of the bytes, checked
 * against the digest it was asked by and the one the origin claims) and its
 * media type (Content-Type without parameters, else the JSON `mediaType`).
 */
import { createHash } from 'node:crypto'
import { OriginProtocolError } from './errors.js'
import { isDigest } from './endpoint.js'

/** Content types that say nothing about which manifest this is. */
const GENERIC_TYPES = new Set(['application/json', 'application/octet-stream', 'text/plain'])
const MEDIA_TYPE_RE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/

export function digestOf (bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
}

/** The sha256 digest of a manifest; a protocol error when it does not match `ref` (if a digest) or `claimed` (Docker-Content-Digest). */
export function verifyManifest (bytes: Uint8Array, ref: string, claimed: string | undefined, host: string, what: string): string {
  const digest = digestOf(bytes)
  if (isDigest(ref)) {
    const actual = ref.startsWith('sha512:') ? digestOf(bytes, 'sha512') : digest
    if (actual !== ref) throw new OriginProtocolError(`origin ${host}: ${what} has digest ${actual}, not the one asked for`, host)
  }
  const c = claimed?.trim()
  if (c !== undefined && c.startsWith('sha256:') && c !== digest) {
    throw new OriginProtocolError(`origin ${host}: ${what} hashes to ${digest} but the origin says ${c.slice(0, 80)}`, host)
  }
  return digest
}

/** application/json and the like: they say nothing about which manifest this is. */
export function isGenericMediaType (type: string): boolean {
  return GENERIC_TYPES.has(type)
}

/** A media type without parameters, lower case; undefined when absent or malformed. */
export function mediaTypeOf (value: string | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim().toLowerCase()
  return type !== undefined && MEDIA_TYPE_RE.test(type) ? type : undefined
}

/**
 * The media type of a manifest: from Content-Type, else from its JSON
 * `mediaType` field. A generic Content-Type (application/json) gives way to
 * the field, and is used only when there is no field.
 */
export function manifestMediaType (contentType: string | undefined, bytes: Uint8Array, host: string, what: string): string {
  const fromHeader = mediaTypeOf(contentType)
  if (fromHeader !== undefined && !GENERIC_TYPES.has(fromHeader)) return fromHeader
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new OriginProtocolError(`origin ${host}: ${what} is not JSON`, host)
  }
  const field = (parsed as { mediaType?: unknown } | null)?.mediaType
  const fromBody = typeof field === 'string' ? mediaTypeOf(field) : undefined
  const type = fromBody ?? fromHeader
  if (type === undefined) throw new OriginProtocolError(`origin ${host}: ${what} has no media type (no Content-Type, no "mediaType" field)`, host)
  return type
}
