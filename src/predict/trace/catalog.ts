/**
 * The Docker Hub catalog (`<shared data>/catalog/dockerhub-top150.json`):
 * found where the tests find the shared data (`$SHOAL_SHARED_DATA`, else
 * `../shared/data` next to the repository, else `/work/shared/data`), read in
 * place and never copied. Without it the trace generator and the simulator
 * still run, on a synthetic catalog with the same published statistics
 * (`synthetic-catalog.ts`).
 */
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MiB } from '../../node/constants.js'
import { CATALOG_FILE, MAX_CATALOG_BYTES } from './constants.js'
import { CatalogFormatError } from './errors.js'
import { syntheticCatalog } from './synthetic-catalog.js'

export interface CatalogLayer {
  /** The real layer's digest: names the layer, so images that share it share it here. */
  digest: string
  sizeBytes: number
}

export interface CatalogRepo {
  /** `namespace/name`, e.g. `library/alpine`. */
  name: string
  /** Lifetime pulls: the popularity weight. */
  pullCount: number
  layers: CatalogLayer[]
}

export interface Catalog {
  /** The file read, or `synthetic (...)` with why. */
  source: string
  synthetic: boolean
  /** Repositories with at least one layer, most pulled first. */
  repos: CatalogRepo[]
  /** Entries left out because they list no layers. */
  reposWithoutLayers: number
}

export interface LoadCatalogOptions {
  /** Read this file; no fallback when it cannot be read. @default the shared data's catalog, else synthetic */
  file?: string
  /** Seed of the synthetic catalog, when there is no file. @default 1 */
  seed?: number
  /** Shared data directories to look in. @default sharedDataCandidates() */
  dirs?: string[]
  signal?: AbortSignal
}

/** Where the shared data directory may be, in the order looked at. */
export function sharedDataCandidates (): string[] {
  const here = dirname(fileURLToPath(import.meta.url))
  let repo = resolve(here, '../../..')
  if (basename(repo) === 'dist') repo = dirname(repo)
  return [process.env.SHOAL_SHARED_DATA, resolve(repo, '../shared/data'), '/work/shared/data']
    .filter((d): d is string => d != null && d !== '')
}

/** The catalog file, or undefined when no candidate has it. */
export function findCatalogFile (dirs: readonly string[] = sharedDataCandidates()): string | undefined {
  return dirs.map(d => join(d, CATALOG_FILE)).find(f => existsSync(f))
}

/** The real catalog when it can be found, else a synthetic one (`source` says which, and why). */
export async function loadCatalog (options: LoadCatalogOptions = {}): Promise<Catalog> {
  options.signal?.throwIfAborted()
  const dirs = options.dirs ?? sharedDataCandidates()
  const file = options.file ?? findCatalogFile(dirs)
  if (file === undefined) {
    const looked = dirs.map(d => join(d, CATALOG_FILE)).join(', ')
    return syntheticCatalog({ seed: options.seed ?? 1, reason: `no catalog at ${looked}` })
  }
  const size = (await stat(file)).size
  if (size > MAX_CATALOG_BYTES) throw new CatalogFormatError(`${size} bytes is more than the ${MAX_CATALOG_BYTES / MiB} MiB a catalog may have`, file)
  return parseCatalog(await readFile(file, { encoding: 'utf8', signal: options.signal }), file)
}

/**
 * The Docker Hub metadata array (`name`, `namespace`, `pull_count`,
 * `layers[]` of `{digest, size}` with sizes in MiB, as the file's "MB" are:
 * each times 2^20 is a whole number of bytes). Entries without layers are
 * counted and left out; anything else malformed is an error naming the entry.
 */
export function parseCatalog (text: string, source: string): Catalog {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new CatalogFormatError(`not JSON (${(err as Error).message})`, source)
  }
  if (!Array.isArray(data)) throw new CatalogFormatError('expected a JSON array of repositories', source)
  const repos: CatalogRepo[] = []
  let reposWithoutLayers = 0
  const names = new Set<string>()
  data.forEach((entry: unknown, i) => {
    const e = entry as { name?: unknown, namespace?: unknown, pull_count?: unknown, layers?: unknown } | null
    if (e == null || typeof e !== 'object') throw new CatalogFormatError(`entry ${i} is not an object`, source)
    if (typeof e.name !== 'string' || e.name === '') throw new CatalogFormatError(`entry ${i} has no name`, source)
    const name = typeof e.namespace === 'string' && e.namespace !== '' ? `${e.namespace}/${e.name}` : e.name
    if (typeof e.pull_count !== 'number' || !(e.pull_count >= 0)) throw new CatalogFormatError(`entry ${i} (${name}) has no pull_count`, source)
    if (e.layers == null || (Array.isArray(e.layers) && e.layers.length === 0)) { reposWithoutLayers++; return }
    if (!Array.isArray(e.layers)) throw new CatalogFormatError(`entry ${i} (${name}): layers is not an array`, source)
    if (names.has(name)) throw new CatalogFormatError(`entry ${i}: ${name} appears twice`, source)
    names.add(name)
    const layers = e.layers.map((l: unknown, j): CatalogLayer => {
      const layer = l as { digest?: unknown, size?: unknown } | null
      if (typeof layer?.digest !== 'string' || layer.digest === '') throw new CatalogFormatError(`entry ${i} (${name}) layer ${j} has no digest`, source)
      if (typeof layer.size !== 'number' || !(layer.size >= 0) || !Number.isFinite(layer.size)) throw new CatalogFormatError(`entry ${i} (${name}) layer ${j} has no size`, source)
      return { digest: layer.digest, sizeBytes: Math.round(layer.size * MiB) }
    })
    repos.push({ name, pullCount: e.pull_count, layers })
  })
  if (repos.length === 0) throw new CatalogFormatError('no repository lists any layer', source)
  return { source, synthetic: false, repos: sortByPopularity(repos), reposWithoutLayers }
}

/** Most pulled first; ties by name. */
export function sortByPopularity (repos: CatalogRepo[]): CatalogRepo[] {
  return repos.sort((a, b) => b.pullCount - a.pullCount || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
