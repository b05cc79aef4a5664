/**
 * A catalog made up from published statistics, for a machine without the
 * shared data: 65% of layers under 1 MB and 80% under 10 MB (Anwar et al.,
 * FAST'18), a median of 6 layers per image (up to 21), about 30% of bytes
 * saved by sharing (the real catalog: 31.7 GB of references, 24.4 GB
 * distinct), and Zipf-like pull counts (the real top is about 200 times the
 * median). Images share layers as they do in life: many start from one of a
 * few OS bases, some from a language runtime built on one of those.
 */
import { createHash } from 'node:crypto'
import { MiB } from '../../node/constants.js'
import type { Catalog, CatalogLayer, CatalogRepo } from './catalog.js'
import { sortByPopularity } from './catalog.js'
import { deriveSeed, Rng, WeightedPicker } from './prng.js'

/** As many repositories with layers as the real catalog has. */
export const SYNTHETIC_REPOS = 145
/** Pull count of the most pulled repository (the real one: 9.8e9). */
export const SYNTHETIC_TOP_PULLS = 1e10
/** Zipf exponent of pull counts: rank 79 (the median) gets 1/190 of rank 1, as in the real catalog. */
export const SYNTHETIC_ZIPF_EXPONENT = 1.2
/** Median and log-spread of layers per image. */
export const SYNTHETIC_MEDIAN_LAYERS = 6
const LAYERS_LOG_SIGMA = 0.55
export const SYNTHETIC_MAX_LAYERS = 21
/** OS bases (debian, alpine, ubuntu, ...) and runtimes built on them (python, node, openjdk, ...). */
const OS_BASES = 10
const RUNTIMES = 12
/** Share of images built on a runtime, and on a bare OS base; the rest start from scratch. */
const ON_RUNTIME = 0.4
const ON_OS = 0.4
/** Share of a runtime's own layers drawn from the big band. */
const RUNTIME_BIG_LAYER = 0.45

/** Layer sizes: log-uniform within each band; the bands lean small so that, with the runtimes' big layers, the catalog lands on 65% < 1 MB and 80% < 10 MB. */
const SIZE_BANDS: Array<{ share: number, from: number, to: number }> = [
  { share: 0.67, from: 100, to: 1 * MiB },
  { share: 0.14, from: 1 * MiB, to: 10 * MiB },
  { share: 0.19, from: 10 * MiB, to: 500 * MiB }
]
const BIG_BAND = SIZE_BANDS[2]!
/** An OS base's root file system layer. */
const OS_LAYER = { from: 2.5 * MiB, to: 60 * MiB }

export interface SyntheticCatalogOptions {
  seed: number
  /** @default SYNTHETIC_REPOS */
  repos?: number
  /** Why the catalog is synthetic, for `source`. */
  reason?: string
}

export function syntheticCatalog (options: SyntheticCatalogOptions): Catalog {
  const seed = options.seed
  const rng = new Rng(deriveSeed(seed, 'synthetic-catalog'))
  let next = 0
  const layer = (sizeBytes: number): CatalogLayer => ({
    digest: 'sha256:' + createHash('sha256').update(`shoal-synthetic:${seed}:${next++}`).digest('hex'),
    sizeBytes: Math.max(1, Math.round(sizeBytes))
  })
  const bandPicker = new WeightedPicker(SIZE_BANDS.map(b => b.share))
  const anyLayer = (): CatalogLayer => {
    const band = SIZE_BANDS[bandPicker.pick(rng)]!
    return layer(rng.logUniform(band.from, band.to))
  }
  const zipf = (n: number): WeightedPicker => new WeightedPicker(Array.from({ length: n }, (_v, i) => 1 / (i + 1)))

  const osBases = Array.from({ length: OS_BASES }, () => rng.float() < 0.3 ? [layer(rng.logUniform(OS_LAYER.from, OS_LAYER.to)), anyLayer()] : [layer(rng.logUniform(OS_LAYER.from, OS_LAYER.to))])
  const osPicker = zipf(OS_BASES)
  // A runtime adds a toolchain: its layers are mostly big (buildpack-deps, a JDK), and sharing them is most of what sharing saves.
  const runtimeLayer = (): CatalogLayer => rng.float() < RUNTIME_BIG_LAYER ? layer(rng.logUniform(BIG_BAND.from, BIG_BAND.to)) : anyLayer()
  const runtimes = Array.from({ length: RUNTIMES }, () => [...osBases[osPicker.pick(rng)]!, ...Array.from({ length: 2 + rng.int(2) }, runtimeLayer)])
  const runtimePicker = zipf(RUNTIMES)

  const count = options.repos ?? SYNTHETIC_REPOS
  const repos: CatalogRepo[] = []
  for (let i = 0; i < count; i++) {
    const wanted = Math.min(SYNTHETIC_MAX_LAYERS, Math.max(1, Math.round(SYNTHETIC_MEDIAN_LAYERS * Math.exp(LAYERS_LOG_SIGMA * rng.normal()))))
    const u = rng.float()
    const base = u < ON_RUNTIME ? runtimes[runtimePicker.pick(rng)]! : u < ON_RUNTIME + ON_OS ? osBases[osPicker.pick(rng)]! : []
    const own = Array.from({ length: Math.max(1, wanted - base.length) }, anyLayer)
    repos.push({
      name: `synthetic/image-${String(i + 1).padStart(3, '0')}`,
      pullCount: Math.round(SYNTHETIC_TOP_PULLS / Math.pow(i + 1, SYNTHETIC_ZIPF_EXPONENT)),
      layers: [...base, ...own]
    })
  }
  return {
    source: `synthetic (seed ${seed}${options.reason !== undefined ? `; ${options.reason}` : ''})`,
    synthetic: true,
    repos: sortByPopularity(repos),
    reposWithoutLayers: 0
  }
}
