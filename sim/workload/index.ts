/**
 * Workloads for the simulator: what is pulled, where and when, as a plain,
 * serialisable plan that the same seed always rebuilds. `catalogWorkload`
 * makes images with the structure of the real Docker Hub catalog (scaled
 * down; shared layers stay shared; popularity from pull counts) and Poisson
 * arrivals per region; `rolloutWorkload` has every host pull one image
 * within a window; `traceWorkload` replays a CSV of blob fetches. The
 * embedded origin (`sim/origin`) serves a plan's images; the runner replays
 * its pulls through each host's mirror; `sim/report` sums up the result.
 *
 * Layers carry only an id, a size and a seed: their bytes are
 * `randomStream(sizeBytes, seed)` (`sim/random.ts`), made on demand.
 */
export * from './constants.js'
export * from './errors.js'
export { loadCatalog, parseCatalog, findCatalogFile, sharedDataCandidates, type Catalog, type CatalogLayer, type CatalogRepo, type LoadCatalogOptions } from './catalog.js'
export { syntheticCatalog, type SyntheticCatalogOptions } from './synthetic.js'
export { catalogWorkload, type CatalogWorkloadOptions } from './catalog-workload.js'
export { rolloutWorkload, type RolloutImage, type RolloutWorkloadOptions } from './rollout.js'
export { traceWorkload, TRACE_DEFAULT_REPO, TRACE_OPTIONAL_COLUMNS, TRACE_REQUIRED_COLUMNS, type TraceWorkloadOptions } from './trace.js'
export { imageRef, pulledUniqueBytes, uniqueBytes, uniqueLayers } from './plan.js'
export { deriveSeed, Rng, WeightedPicker } from './prng.js'

export interface HostSpec {
  name: string
  region: string
}

export interface PlanLayer {
  /** Names the layer in the plan; images that share a layer share its id. */
  id: string
  sizeBytes: number
  /** Seed of its bytes: `randomStream(sizeBytes, seed)`. */
  seed: number
}

export interface PlanImage {
  /** A repository name, e.g. `library/alpine`. */
  name: string
  tag: string
  layers: PlanLayer[]
}

export interface PlanPull {
  atMs: number
  /** Index into the plan's `hosts`. */
  host: number
  hostName: string
  region: string
  /** `name:tag` of one of the plan's images. */
  image: string
  /** Only these layer ids (a trace row is one blob fetch); absent: the whole image. */
  layers?: string[]
}

export interface CatalogPlanInfo {
  /** The catalog file, or `synthetic (...)`. */
  source: string
  synthetic: boolean
  /** The factor applied to layer sizes (chosen, when not given). */
  scale: number
  pullsPerHostPerMinute: number
  imagesAvailable: number
  imagesUsed: number
  /** The least pulled images left out to keep within `maxUniqueBytes`. */
  imagesDroppedToFit: number
}

export interface TracePlanInfo {
  /** The header's column names, lower case. */
  columns: string[]
  /** Data rows read, good and bad. */
  rows: number
  skippedRows: number
  /** The first malformed rows, by line. */
  errors: Array<{ line: number, reason: string }>
  /** The timestamp that became time 0. */
  startTsMs: number
  scale: number
  clients: number
  /** Clients with no region, or one no host is in: spread over all hosts. */
  clientsWithoutHostRegion: number
}

export interface WorkloadPlan {
  kind: 'catalog' | 'rollout' | 'trace'
  seed: number
  /** Time of the last possible arrival. */
  durationMs: number
  hosts: HostSpec[]
  images: PlanImage[]
  /** Sorted by `atMs` (ties by host, then image). */
  pulls: PlanPull[]
  /** Bytes of the distinct layers of all images. */
  uniqueBytes: number
  /** Bytes of the distinct layers some pull asks for: what must leave the origin at least once. */
  pulledUniqueBytes: number
  catalog?: CatalogPlanInfo
  trace?: TracePlanInfo
}
