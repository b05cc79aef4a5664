/**
 * `catalog`: images with the structure of the Docker Hub catalog, scaled
 * down to fit a laptop, pulled by every region's hosts as a Poisson process.
 *
 * Layer sizes are the catalog's times `scale` (at least `minLayerBytes`);
 * layers the catalog's images share keep one id, so they stay shared. When
 * no `scale` is given, the largest one that keeps the distinct layers within
 * `maxUniqueBytes` is chosen; when a given scale does not fit, the least
 * pulled images are left out until it does. Each region draws its arrivals
 * from its own stream: gaps are exponential with mean
 * `60 000 / (hosts in region x pullsPerHostPerMinute)` ms; each arrival is a
 * uniformly chosen host of the region pulling an image chosen with
 * probability proportional to its pull count.
 */
import { DEFAULT_DURATION_MS, DEFAULT_MAX_UNIQUE_BYTES, DEFAULT_PULLS_PER_HOST_PER_MINUTE, DEFAULT_TAG, MAX_PULLS, MIN_LAYER_BYTES } from './constants.js'
import type { Catalog, CatalogRepo } from './catalog.js'
import { WorkloadOptionError } from './errors.js'
import type { HostSpec, PlanImage, PlanPull, WorkloadPlan } from './index.js'
import { byRegion, checkHosts, checkImageName, checkSeed, imageRef, layerSeed, plainHosts, pulledUniqueBytes, separateSeeds, sortPulls, uniqueBytes } from './plan.js'
import { deriveSeed, Rng, WeightedPicker } from './prng.js'

/** Steps of the search for the largest scale that fits. */
const SCALE_SEARCH_STEPS = 60

export interface CatalogWorkloadOptions {
  catalog: Catalog
  hosts: readonly HostSpec[]
  seed: number
  /** How long pulls keep arriving. @default DEFAULT_DURATION_MS (5 minutes) */
  durationMs?: number
  /** Factor on layer sizes: 1/200 makes a 100 MB layer 500 KB. @default the largest that fits `maxUniqueBytes` (at most 1) */
  scale?: number
  /** Pulls each host starts per minute, on average. @default DEFAULT_PULLS_PER_HOST_PER_MINUTE (1) */
  pullsPerHostPerMinute?: number
  /** Use only the most pulled images. @default all the catalog's images with layers */
  maxImages?: number
  /** Bound on the bytes of the distinct layers. @default DEFAULT_MAX_UNIQUE_BYTES (256 MiB) */
  maxUniqueBytes?: number
  /** Smallest layer after scaling. @default MIN_LAYER_BYTES (4 KiB) */
  minLayerBytes?: number
}

export function catalogWorkload (options: CatalogWorkloadOptions): WorkloadPlan {
  const { catalog, hosts, seed } = options
  const durationMs = options.durationMs ?? DEFAULT_DURATION_MS
  checkHosts(hosts)
  checkSeed(seed)
  const rate = options.pullsPerHostPerMinute ?? DEFAULT_PULLS_PER_HOST_PER_MINUTE
  const maxUniqueBytes = options.maxUniqueBytes ?? DEFAULT_MAX_UNIQUE_BYTES
  const minLayerBytes = options.minLayerBytes ?? MIN_LAYER_BYTES
  if (!(Number.isFinite(durationMs) && durationMs > 0)) throw new WorkloadOptionError(`durationMs: ${durationMs} must be > 0`)
  if (!(Number.isFinite(rate) && rate > 0)) throw new WorkloadOptionError(`pullsPerHostPerMinute: ${rate} must be > 0`)
  if (!(Number.isSafeInteger(minLayerBytes) && minLayerBytes >= 1)) throw new WorkloadOptionError(`minLayerBytes: ${minLayerBytes} must be a whole number >= 1`)
  if (!(Number.isFinite(maxUniqueBytes) && maxUniqueBytes >= minLayerBytes)) throw new WorkloadOptionError(`maxUniqueBytes: ${maxUniqueBytes} must be at least minLayerBytes (${minLayerBytes})`)
  if (options.scale !== undefined && !(Number.isFinite(options.scale) && options.scale > 0)) throw new WorkloadOptionError(`scale: ${options.scale} must be > 0 (1/200 makes a 100 MB layer 500 KB)`)
  if (options.maxImages !== undefined && !(Number.isSafeInteger(options.maxImages) && options.maxImages >= 1)) throw new WorkloadOptionError(`maxImages: ${options.maxImages} must be a whole number >= 1`)
  const expected = hosts.length * rate * durationMs / 60_000
  if (expected > MAX_PULLS) throw new WorkloadOptionError(`about ${Math.round(expected)} pulls is more than ${MAX_PULLS}: fewer hosts, a lower pullsPerHostPerMinute or a shorter durationMs`)

  const repos = catalog.repos.slice(0, options.maxImages ?? catalog.repos.length)
  const ids = layerIds(repos)
  const scaled = (size: number, scale: number): number => Math.max(minLayerBytes, Math.round(size * scale))
  const total = (rs: readonly CatalogRepo[], scale: number): number => {
    const sizes = new Map<string, number>()
    for (const r of rs) for (const l of r.layers) sizes.set(l.digest, l.sizeBytes)
    let sum = 0
    for (const s of sizes.values()) sum += scaled(s, scale)
    return sum
  }

  let scale = options.scale
  let dropped = 0
  // The least pulled images go first when even the smallest layers (or the given scale) do not fit.
  const floor = scale ?? 0
  while (repos.length > 1 && total(repos, floor) > maxUniqueBytes) { repos.pop(); dropped++ }
  if (total(repos, floor) > maxUniqueBytes) {
    throw new WorkloadOptionError(`the most pulled image alone needs ${total(repos, floor)} bytes, more than maxUniqueBytes (${maxUniqueBytes}): raise maxUniqueBytes or lower scale`)
  }
  if (scale === undefined) scale = fitScale(s => total(repos, s), maxUniqueBytes)

  const images: PlanImage[] = repos.map(r => {
    checkImageName(r.name, DEFAULT_TAG)
    return {
      name: r.name,
      tag: DEFAULT_TAG,
      layers: r.layers.map(l => {
        const id = ids.get(l.digest)!
        return { id, sizeBytes: scaled(l.sizeBytes, scale), seed: layerSeed(seed, id) }
      })
    }
  })
  separateSeeds(images)

  const weights = repos.map(r => r.pullCount)
  const picker = new WeightedPicker(weights.some(w => w > 0) ? weights : weights.map(() => 1))
  const refs = images.map(imageRef)
  const pulls: PlanPull[] = []
  for (const [region, members] of byRegion(hosts)) {
    const rng = new Rng(deriveSeed(seed, `arrivals:${region}`))
    const meanGapMs = 60_000 / (members.length * rate)
    for (let at = rng.exponential(meanGapMs); at < durationMs; at += rng.exponential(meanGapMs)) {
      const host = members[rng.int(members.length)]!
      pulls.push({ atMs: at, host, hostName: hosts[host]!.name, region, image: refs[picker.pick(rng)]! })
    }
  }
  sortPulls(pulls)

  return {
    kind: 'catalog',
    seed,
    durationMs,
    hosts: plainHosts(hosts),
    images,
    pulls,
    uniqueBytes: uniqueBytes(images),
    pulledUniqueBytes: pulledUniqueBytes(images, pulls),
    catalog: {
      source: catalog.source,
      synthetic: catalog.synthetic,
      scale,
      pullsPerHostPerMinute: rate,
      imagesAvailable: catalog.repos.length,
      imagesUsed: images.length,
      imagesDroppedToFit: dropped
    }
  }
}

/** The largest scale in (0, 1] whose total fits `budget` (the total grows with the scale). */
function fitScale (total: (scale: number) => number, budget: number): number {
  if (total(1) <= budget) return 1
  let lo = 0
  let hi = 1
  for (let i = 0; i < SCALE_SEARCH_STEPS; i++) {
    const mid = (lo + hi) / 2
    if (total(mid) <= budget) lo = mid
    else hi = mid
  }
  return lo
}

/** Short ids from the catalog's digests (`layer-` and 16 hex digits), distinct even if two prefixes met. */
function layerIds (repos: readonly CatalogRepo[]): Map<string, string> {
  const ids = new Map<string, string>()
  const used = new Set<string>()
  for (const r of repos) {
    for (const l of r.layers) {
      if (ids.has(l.digest)) continue
      const hex = l.digest.slice(l.digest.indexOf(':') + 1).replace(/[^a-zA-Z0-9]/g, '').toLowerCase()
      let id = `layer-${hex.slice(0, 16)}`
      for (let n = 2; used.has(id); n++) id = `layer-${hex.slice(0, 16)}-${n}`
      used.add(id)
      ids.set(l.digest, id)
    }
  }
  return ids
}
