/** What kind of manifest some bytes are, from the `mediaType` field or, failing that, the shape. */
import { MEDIA_TYPES } from './constants.js'
import { ManifestInvalidError } from './errors.js'

const KNOWN = new Set<string>(Object.values(MEDIA_TYPES))

export function manifestMediaType (bytes: Uint8Array, digest: string, declared?: string): string {
  let doc: unknown
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    throw new ManifestInvalidError(`manifest ${digest} is not JSON`)
  }
  if (typeof doc !== 'object' || doc == null || Array.isArray(doc)) throw new ManifestInvalidError(`manifest ${digest} is not a JSON object`)
  const m = doc as { mediaType?: unknown, schemaVersion?: unknown, manifests?: unknown, config?: unknown, layers?: unknown }
  if (m.schemaVersion === 1) throw new ManifestInvalidError(`manifest ${digest} is Docker schema 1, which is not supported`)
  if (typeof m.mediaType === 'string' && m.mediaType !== '') return m.mediaType
  if (declared != null && KNOWN.has(declared)) return declared
  if (Array.isArray(m.manifests)) return MEDIA_TYPES.ociIndex
  if (typeof m.config === 'object' && m.config != null) return MEDIA_TYPES.ociManifest
  throw new ManifestInvalidError(`manifest ${digest} has no mediaType and is neither an image manifest nor an index`)
}
