/**
 * What every generator shares: checking the hosts it is given, naming and
 * seeding layers, ordering pulls, and the plan's byte totals.
 */
import { MAX_HOSTS } from './constants.js'
import { WorkloadOptionError } from './errors.js'
import type { HostSpec, PlanImage, PlanLayer, PlanPull } from './index.js'
import { deriveSeed } from './prng.js'

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*'
const REPO_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const MAX_REPO_CHARS = 255

/** `name:tag`, as a pull names its image. */
export function imageRef (image: { name: string, tag: string }): string {
  return `${image.name}:${image.tag}`
}

export function isRepoName (name: string): boolean {
  return name.length <= MAX_REPO_CHARS && REPO_RE.test(name)
}

export function checkImageName (name: string, tag: string): void {
  if (!isRepoName(name)) throw new WorkloadOptionError(`image name ${JSON.stringify(name.slice(0, 300))} is not a valid repository name (lower case components like "library/alpine")`)
  if (!TAG_RE.test(tag)) throw new WorkloadOptionError(`image tag ${JSON.stringify(tag.slice(0, 200))} is not a valid tag`)
}

/** Refuse an empty, oversized or ambiguous host list. */
export function checkHosts (hosts: readonly HostSpec[]): void {
  if (!Array.isArray(hosts) || hosts.length === 0) throw new WorkloadOptionError('hosts: give at least one { name, region }')
  if (hosts.length > MAX_HOSTS) throw new WorkloadOptionError(`hosts: ${hosts.length} is more than ${MAX_HOSTS}`)
  const seen = new Set<string>()
  hosts.forEach((h, i) => {
    if (typeof h?.name !== 'string' || h.name === '') throw new WorkloadOptionError(`hosts[${i}]: needs a non-empty name`)
    if (typeof h.region !== 'string' || h.region === '') throw new WorkloadOptionError(`hosts[${i}] (${h.name}): needs a non-empty region`)
    if (seen.has(h.name)) throw new WorkloadOptionError(`hosts[${i}]: the name ${JSON.stringify(h.name)} is used twice`)
    seen.add(h.name)
  })
}

export function checkSeed (seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new WorkloadOptionError(`seed: ${seed} is not an integer`)
}

/** The hosts as plain records (a caller's extra fields do not leak into the plan). */
export function plainHosts (hosts: readonly HostSpec[]): HostSpec[] {
  return hosts.map(h => ({ name: h.name, region: h.region }))
}

/** The seed of a layer's bytes: a function of the plan's seed and the layer's id, so a shared layer has one content. */
export function layerSeed (seed: number, id: string): number {
  return deriveSeed(seed, `layer:${id}`)
}

/**
 * Give distinct layers distinct byte seeds: two layers of the same size and
 * seed would have the same bytes and the same digest, and the origin would
 * serve one blob for both. Rewrites the seeds in place, in image order.
 */
export function separateSeeds (images: PlanImage[]): void {
  const owner = new Map<number, string>()
  const chosen = new Map<string, number>()
  for (const image of images) {
    for (const layer of image.layers) {
      const known = chosen.get(layer.id)
      if (known !== undefined) { layer.seed = known; continue }
      let seed = layer.seed >>> 0
      while (owner.has(seed)) seed = (seed + 1) >>> 0
      owner.set(seed, layer.id)
      chosen.set(layer.id, seed)
      layer.seed = seed
    }
  }
}

/** Each distinct layer once, in first-seen order; the same id must always have the same size. */
export function uniqueLayers (images: readonly PlanImage[]): PlanLayer[] {
  const byId = new Map<string, PlanLayer>()
  for (const image of images) {
    for (const layer of image.layers) {
      const known = byId.get(layer.id)
      if (known === undefined) byId.set(layer.id, layer)
      else if (known.sizeBytes !== layer.sizeBytes) throw new WorkloadOptionError(`layer ${layer.id} has two sizes (${known.sizeBytes} and ${layer.sizeBytes} bytes)`)
    }
  }
  return [...byId.values()]
}

/** Bytes of the distinct layers (what an origin must hold; what must leave it at least once if all are pulled). */
export function uniqueBytes (images: readonly PlanImage[]): number {
  return uniqueLayers(images).reduce((sum, l) => sum + l.sizeBytes, 0)
}

/** Bytes of the distinct layers that some pull asks for. */
export function pulledUniqueBytes (images: readonly PlanImage[], pulls: readonly PlanPull[]): number {
  const byRef = new Map(images.map(i => [imageRef(i), i]))
  const sizes = new Map<string, number>()
  for (const p of pulls) {
    const image = byRef.get(p.image)
    if (image === undefined) continue
    const wanted = p.layers === undefined ? undefined : new Set(p.layers)
    for (const l of image.layers) if (wanted === undefined || wanted.has(l.id)) sizes.set(l.id, l.sizeBytes)
  }
  let sum = 0
  for (const s of sizes.values()) sum += s
  return sum
}

/** Time order; ties by host index, then image, so the order never depends on how the pulls were made. */
export function sortPulls (pulls: PlanPull[]): PlanPull[] {
  return pulls.sort((a, b) => a.atMs - b.atMs || a.host - b.host || (a.image < b.image ? -1 : a.image > b.image ? 1 : 0))
}

/** Host indexes per region, regions in the order they first appear. */
export function byRegion (hosts: readonly HostSpec[]): Map<string, number[]> {
  const regions = new Map<string, number[]>()
  hosts.forEach((h, i) => {
    const list = regions.get(h.region)
    if (list === undefined) regions.set(h.region, [i])
    else list.push(i)
  })
  return regions
}
