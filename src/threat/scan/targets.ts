/**
 * What a user names, as layers to scan: a layer file (tar, tar+gzip,
 * tar+zstd), an OCI image layout directory (`DIR`, or `DIR:TAG` for one of
 * several images in it), or an image reference
 * (`[HOST/]NAME[:TAG|@DIGEST]`) fetched through an `ImageRegistry` (the
 * origin client, or the daemon's store first and then the origin). An image
 * index resolves to the platform asked for (default linux/amd64, else the
 * only manifest).
 */
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseImageReference, refString } from '../../registry/reference.js'
import { SCAN_MAX_LAYERS, SCAN_MAX_MANIFEST_BYTES } from './constants.js'
import { ScanTargetError } from './errors.js'
import type { ImageLayerSource } from './scan-image.js'

export interface ImageRegistry {
  getManifest (host: string, repo: string, ref: string, options?: { signal?: AbortSignal }): Promise<{ bytes: Uint8Array, mediaType: string, digest: string }>
  getBlob (host: string, repo: string, digest: string, options?: { signal?: AbortSignal }): Promise<{ body: AsyncIterable<Uint8Array> }>
}

export interface ResolvedTarget {
  target: string
  kind: 'layer' | 'oci-layout' | 'image'
  digest?: string
  layers: ImageLayerSource[]
}

export interface ResolveOptions {
  /** For image references. */
  registry?: ImageRegistry
  /** `os/arch[/variant]`. @default 'linux/amd64' */
  platform?: string
  signal?: AbortSignal
}

interface Descriptor { mediaType?: string, digest: string, size?: number, platform?: { os?: string, architecture?: string, variant?: string }, annotations?: Record<string, string> }

/** The annotation an OCI layout's index.json tags its images with. */
const REF_NAME = 'org.opencontainers.image.ref.name'
interface ManifestDoc { mediaType?: string, manifests?: Descriptor[], layers?: Descriptor[] }

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/

export async function resolveTarget (target: string, options: ResolveOptions = {}): Promise<ResolvedTarget> {
  const st = await stat(target).catch(() => undefined)
  if (st?.isFile() === true) {
    return { target, kind: 'layer', layers: [{ open: () => createReadStream(target) }] }
  }
  if (st?.isDirectory() === true) return await ociLayout(target, undefined, options)
  // `DIR:TAG` names one image of a layout holding several (skopeo's `oci:DIR:TAG`).
  const colon = target.lastIndexOf(':')
  if (colon > 0) {
    const dir = target.slice(0, colon)
    if ((await stat(dir).catch(() => undefined))?.isDirectory() === true) return await ociLayout(dir, target.slice(colon + 1), options)
  }
  if (options.registry == null) throw new ScanTargetError(`${target} is neither a file, an OCI layout directory, nor (with no registry to ask) an image that can be fetched`)
  let image
  try {
    image = parseImageReference(target)
  } catch (err) {
    throw new ScanTargetError(`${target} is not a file, a directory or an image reference: ${(err as Error).message}`)
  }
  const registry = options.registry
  const { host, name } = image
  const get = async (ref: string): Promise<{ doc: ManifestDoc, digest: string }> => {
    const m = await registry.getManifest(host, name, ref, { ...(options.signal != null ? { signal: options.signal } : {}) })
    return { doc: parseManifest(m.bytes, `${host}/${name}@${ref}`), digest: m.digest }
  }
  let { doc, digest } = await get(refString(image.reference))
  if (doc.manifests != null) {
    const chosen = pickPlatform(doc.manifests, options.platform, target)
    ;({ doc, digest } = await get(chosen.digest))
  }
  return {
    target,
    kind: 'image',
    digest,
    layers: layersOf(doc, target).map(l => ({
      digest: l.digest,
      open: (signal?: AbortSignal) => lazy(async () => (await registry.getBlob(host, name, l.digest, { ...(signal != null ? { signal } : {}) })).body)
    }))
  }
}

async function ociLayout (dir: string, tag: string | undefined, options: ResolveOptions): Promise<ResolvedTarget> {
  const blobPath = (digest: string): string => {
    if (!DIGEST_RE.test(digest)) throw new ScanTargetError(`${dir}: descriptor digest ${JSON.stringify(digest)} is not a sha256 digest`)
    return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length))
  }
  const read = async (path: string, what: string): Promise<ManifestDoc> => {
    const st = await stat(path).catch(() => undefined)
    if (st == null) throw new ScanTargetError(`${dir} is not an OCI image layout: ${what} is missing`)
    if (st.size > SCAN_MAX_MANIFEST_BYTES) throw new ScanTargetError(`${dir}: ${what} is ${st.size} bytes, more than ${SCAN_MAX_MANIFEST_BYTES}`)
    return parseManifest(await readFile(path), `${dir}: ${what}`)
  }
  let doc = await read(join(dir, 'index.json'), 'index.json')
  let digest: string | undefined
  if (tag != null) {
    const named = (doc.manifests ?? []).filter(m => m.annotations?.[REF_NAME] === tag)
    if (named.length === 0) {
      const tags = (doc.manifests ?? []).map(m => m.annotations?.[REF_NAME]).filter((n): n is string => n != null)
      throw new ScanTargetError(`${dir} has no image tagged ${JSON.stringify(tag)} (it has ${tags.length > 0 ? tags.join(', ') : 'no tags'})`)
    }
    doc = { manifests: named }
  }
  // An index may point at another index (a multi-arch image inside a layout).
  for (let depth = 0; doc.manifests != null; depth++) {
    if (depth > 4) throw new ScanTargetError(`${dir}: indexes nest more than 4 deep`)
    const chosen = pickPlatform(doc.manifests, options.platform, dir)
    digest = chosen.digest
    doc = await read(blobPath(chosen.digest), `manifest ${chosen.digest}`)
  }
  return {
    target: dir,
    kind: 'oci-layout',
    ...(digest != null ? { digest } : {}),
    layers: layersOf(doc, dir).map(l => ({ digest: l.digest, open: () => createReadStream(blobPath(l.digest)) }))
  }
}

function parseManifest (bytes: Uint8Array, where: string): ManifestDoc {
  let doc: unknown
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (err) {
    throw new ScanTargetError(`${where} is not JSON: ${(err as Error).message}`)
  }
  if (typeof doc !== 'object' || doc == null) throw new ScanTargetError(`${where} is not a manifest or an index`)
  const d = doc as ManifestDoc
  if (!Array.isArray(d.manifests) && !Array.isArray(d.layers)) throw new ScanTargetError(`${where} has neither manifests nor layers`)
  return d
}

function layersOf (doc: ManifestDoc, where: string): Descriptor[] {
  const layers = doc.layers ?? []
  if (layers.length > SCAN_MAX_LAYERS) throw new ScanTargetError(`${where}: ${layers.length} layers, more than ${SCAN_MAX_LAYERS}`)
  for (const l of layers) if (typeof l?.digest !== 'string' || !DIGEST_RE.test(l.digest)) throw new ScanTargetError(`${where}: a layer has no sha256 digest`)
  return layers
}

function pickPlatform (manifests: Descriptor[], platform: string | undefined, where: string): Descriptor {
  // Attestations and other artifacts ride along in indexes with platform unknown/unknown.
  const images = manifests.filter(m => m.platform?.os !== 'unknown' && typeof m.digest === 'string')
  const wanted = platform ?? 'linux/amd64'
  const [os, arch, variant] = wanted.split('/')
  const match = images.find(m => m.platform?.os === os && m.platform?.architecture === arch && (variant == null || m.platform?.variant === variant))
  if (match != null) return match
  if (images.length === 1 && platform == null) return images[0]!
  const have = images.map(m => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}${m.platform?.variant != null ? '/' + m.platform.variant : ''}`).join(', ')
  throw new ScanTargetError(`${where} has no ${wanted} image (it has ${have === '' ? 'none' : have}); choose one with --platform`)
}

/** An iterable that opens its source only when iterated. */
function lazy (open: () => Promise<AsyncIterable<Uint8Array>>): AsyncIterable<Uint8Array> {
  return {
    async * [Symbol.asyncIterator] () {
      yield * await open()
    }
  }
}
