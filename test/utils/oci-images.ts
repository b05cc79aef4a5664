/**
 * Writes OCI image layouts for end-to-end tests with plain Node: real gzip'd
 * tar layers (containerd unpacks them), a config whose `rootfs.diff_ids` are
 * the digests of the uncompressed tars, manifests and multi-arch indexes.
 * Content is deterministic: the same specs give the same digests on the same
 * zlib. Random layers are streamed to disk, so a 128 MiB layer never sits in
 * memory. `pushLayout` copies a tag to a registry with skopeo.
 */
import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { randomStream } from '../../sim/random.js'
import { removeDir, runOk, tempDir } from './system.js'

export const MEDIA_TYPE = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json'
} as const

const REF_NAME = 'org.opencontainers.image.ref.name'
const TAR_BLOCK = 512
/** Fixed mtime for every tar entry and the config: 2023-11-14T22:13:20Z. */
const EPOCH_S = 1_700_000_000
/** Files layers are small: compress them properly. */
const GZIP_LEVEL_FILES = 6
/**
 * Random bytes do not compress: stored deflate blocks are still valid gzip and
 * write a 128 MiB layer in under a second, against four at level 1.
 */
const GZIP_LEVEL_RANDOM = 0

export interface Platform { os: string, architecture: string, variant?: string }

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' }

/** A layer of the given files (parent directories are added), or one file of seeded random bytes. */
export type LayerSpec =
  | { files: Record<string, Uint8Array | string> }
  | { randomBytes: number, seed: number, path?: string }

export interface ImageSpec {
  /** Tag in the layout's index.json; omitted for the per-platform manifests of an index. */
  tag?: string
  layers: LayerSpec[]
  /** @default DEFAULT_PLATFORM */
  platform?: Platform
}

export interface Descriptor { mediaType: string, digest: string, size: number }
export interface LayerDescriptor extends Descriptor {
  /** sha256 of the uncompressed tar, as listed in the config's `rootfs.diff_ids`. */
  diffId: string
  uncompressedSize: number
}

export interface ImageLayout {
  tag?: string
  platform: Platform
  manifest: Descriptor
  config: Descriptor
  layers: LayerDescriptor[]
  /** Bytes of the blobs a pull fetches: the config and the layers. */
  blobBytes: number
}

export interface IndexLayout {
  tag: string
  index: Descriptor
  manifests: ImageLayout[]
}

export function blobPath (layoutDir: string, digest: string): string {
  const [alg, hex] = digest.split(':')
  if (alg === undefined || hex === undefined) throw new Error(`not a digest: ${digest}`)
  return join(layoutDir, 'blobs', alg, hex)
}

function sha256 (bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex')
}

// --- tar ---------------------------------------------------------------------

function octal (n: number, width: number): string {
  const s = n.toString(8)
  if (s.length > width - 1) throw new Error(`tar: ${n} does not fit in ${width} octal digits`)
  return s.padStart(width - 1, '0') + '\0'
}

function splitName (name: string): { prefix: string, name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name }
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest }
  }
  throw new Error(`tar: path too long for ustar: ${name}`)
}

/** One ustar header block: a regular file ('0') or a directory ('5'), owned by root, fixed mtime. */
export function tarHeader (path: string, type: '0' | '5', size: number): Buffer {
  const h = Buffer.alloc(TAR_BLOCK)
  const { prefix, name } = splitName(path)
  h.write(name, 0, 100, 'utf8')
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii')
  h.write(octal(0, 8), 108, 'ascii')
  h.write(octal(0, 8), 116, 'ascii')
  h.write(octal(size, 12), 124, 'ascii')
  h.write(octal(EPOCH_S, 12), 136, 'ascii')
  h.write(' '.repeat(8), 148, 'ascii')
  h.write(type, 156, 'ascii')
  h.write('ustar\0', 257, 'ascii')
  h.write('00', 263, 'ascii')
  h.write('root', 265, 'ascii')
  h.write('root', 297, 'ascii')
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const b of h) sum += b
  h.write(octal(sum, 7) + ' ', 148, 'ascii')
  return h
}

function padding (size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK)
}

function cleanPath (p: string): string {
  const parts = p.split('/').filter(s => s !== '' && s !== '.')
  if (parts.length === 0 || parts.includes('..')) throw new Error(`bad layer path: ${p}`)
  return parts.join('/')
}

/** The tar stream of a layer, in chunks; entries in sorted order, parents before children. */
async function * tarLayer (spec: LayerSpec): AsyncGenerator<Uint8Array> {
  const files = new Map<string, Uint8Array | null>()
  if ('files' in spec) {
    for (const [p, content] of Object.entries(spec.files)) {
      files.set(cleanPath(p), typeof content === 'string' ? Buffer.from(content) : content)
    }
  } else {
    files.set(cleanPath(spec.path ?? `random-${spec.seed}.bin`), null)
  }
  const dirs = new Set<string>()
  for (const p of files.keys()) {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  const entries = [...new Set([...dirs, ...files.keys()])].sort()
  for (const p of entries) {
    const content = files.get(p)
    if (content === undefined) {
      yield tarHeader(p + '/', '5', 0)
    } else if (content !== null) {
      yield tarHeader(p, '0', content.byteLength)
      yield content
      yield padding(content.byteLength)
    } else if (!('files' in spec)) {
      yield tarHeader(p, '0', spec.randomBytes)
      yield * randomStream(spec.randomBytes, spec.seed)
      yield padding(spec.randomBytes)
    }
  }
  yield Buffer.alloc(2 * TAR_BLOCK)
}

// --- blobs -------------------------------------------------------------------

class Digester extends Transform {
  readonly hash: Hash = createHash('sha256')
  size = 0
  override _transform (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.byteLength
    cb(null, chunk)
  }

  digest (): string { return 'sha256:' + this.hash.digest('hex') }
}

async function writeBlob (layoutDir: string, bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
  const digest = sha256(bytes)
  await writeFile(blobPath(layoutDir, digest), bytes)
  return { mediaType, digest, size: bytes.byteLength }
}

async function writeJsonBlob (layoutDir: string, value: unknown, mediaType: string): Promise<Descriptor> {
  return await writeBlob(layoutDir, Buffer.from(JSON.stringify(value)), mediaType)
}

let tmpCounter = 0

async function writeLayer (layoutDir: string, spec: LayerSpec): Promise<LayerDescriptor> {
  const tmp = join(layoutDir, 'blobs', 'sha256', `.tmp-${process.pid}-${tmpCounter++}`)
  const tar = new Digester()
  const gz = new Digester()
  try {
    await pipeline(
      Readable.from(tarLayer(spec), { objectMode: false }),
      tar,
      createGzip({ level: 'files' in spec ? GZIP_LEVEL_FILES : GZIP_LEVEL_RANDOM }),
      gz,
      createWriteStream(tmp)
    )
    const digest = gz.digest()
    await rename(tmp, blobPath(layoutDir, digest))
    return { mediaType: MEDIA_TYPE.layer, digest, size: gz.size, diffId: tar.digest(), uncompressedSize: tar.size }
  } finally {
    await rm(tmp, { force: true })
  }
}

async function initLayout (layoutDir: string): Promise<void> {
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true })
  await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
}

/** Points `tag` in the layout's index.json at `desc`, replacing an earlier entry with that tag. */
async function tagLayout (layoutDir: string, tag: string, desc: Descriptor): Promise<void> {
  const path = join(layoutDir, 'index.json')
  let manifests: Array<Descriptor & { annotations?: Record<string, string> }> = []
  try {
    manifests = (JSON.parse(await readFile(path, 'utf8')) as { manifests: typeof manifests }).manifests
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  manifests = manifests.filter(m => m.annotations?.[REF_NAME] !== tag)
  manifests.push({ ...desc, annotations: { [REF_NAME]: tag } })
  await writeFile(path, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.index, manifests }, null, 2))
}

/** Writes one image's layers, config and manifest, tagging it when `spec.tag` is set. */
async function writeImage (layoutDir: string, spec: ImageSpec): Promise<ImageLayout> {
  await initLayout(layoutDir)
  const platform = spec.platform ?? DEFAULT_PLATFORM
  const layers: LayerDescriptor[] = []
  for (const l of spec.layers) layers.push(await writeLayer(layoutDir, l))
  const config = await writeJsonBlob(layoutDir, {
    created: new Date(EPOCH_S * 1000).toISOString(),
    architecture: platform.architecture,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    os: platform.os,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map(l => l.diffId) }
  }, MEDIA_TYPE.config)
  const manifest = await writeJsonBlob(layoutDir, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map(l => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))
  }, MEDIA_TYPE.manifest)
  if (spec.tag !== undefined) await tagLayout(layoutDir, spec.tag, manifest)
  const blobBytes = config.size + layers.reduce((n, l) => n + l.size, 0)
  return { tag: spec.tag, platform, manifest, config, layers, blobBytes }
}

/** Writes (or adds to) an OCI image layout in `layoutDir` holding one single-platform image tagged `spec.tag`. */
export async function writeImageLayout (layoutDir: string, spec: ImageSpec & { tag: string }): Promise<ImageLayout> {
  return await writeImage(layoutDir, spec)
}

export interface IndexPlatformSpec extends Platform {
  /** @default one small files layer naming the platform */
  layers?: LayerSpec[]
}

/**
 * Writes (or adds to) a layout holding a multi-platform OCI index tagged `tag`:
 * one manifest per platform, by default each with a distinct small layer.
 */
export async function writeIndexLayout (layoutDir: string, tag: string, platforms: IndexPlatformSpec[]): Promise<IndexLayout> {
  const manifests: ImageLayout[] = []
  for (const { layers, ...platform } of platforms) {
    const name = [platform.os, platform.architecture, platform.variant].filter(s => s !== undefined).join('/')
    manifests.push(await writeImage(layoutDir, {
      platform,
      layers: layers ?? [{ files: { 'etc/shoal-platform': `${name}\n`, [`etc/${tag}`]: `${tag}\n` } }]
    }))
  }
  const index = await writeJsonBlob(layoutDir, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: manifests.map(m => ({ ...m.manifest, platform: m.platform }))
  }, MEDIA_TYPE.index)
  await tagLayout(layoutDir, tag, index)
  return { tag, index, manifests }
}

export interface PushOptions {
  /** `v2s2` converts to Docker schema 2 (the manifest digest changes). @default 'oci' */
  format?: 'oci' | 'v2s2'
  /** `user:password` for the destination registry. */
  creds?: string
  /** Push every manifest of an index, not only the host platform's. */
  all?: boolean
  timeoutMs?: number
}

/** Copies `oci:layoutDir:tag` to `docker://registryHost/repo:tag` (plain HTTP) with skopeo; returns the pushed manifest digest. */
export async function pushLayout (layoutDir: string, tag: string, registryHost: string, repo: string, opts: PushOptions = {}): Promise<string> {
  const tmp = await tempDir('skopeo')
  try {
    const digestFile = join(tmp, 'digest')
    await runOk('skopeo', [
      '--insecure-policy',
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--digestfile', digestFile,
      ...(opts.format === 'v2s2' ? ['--format', 'v2s2'] : []),
      ...(opts.all === true ? ['--all'] : []),
      ...(opts.creds === undefined ? [] : ['--dest-creds', opts.creds]),
      `oci:${layoutDir}:${tag}`,
      `docker://${registryHost}/${repo}:${tag}`
    ], { timeoutMs: opts.timeoutMs })
    return (await readFile(digestFile, 'utf8')).trim()
  } finally {
    await removeDir(tmp)
  }
}
