/**
 * `rollout`: every host pulls the same image within a short window, as a
 * deployment rolling out to a fleet does: each host at a time drawn
 * uniformly from [startMs, startMs + windowMs).
 */
import { DEFAULT_TAG } from './constants.js'
import { WorkloadOptionError } from './errors.js'
import type { HostSpec, PlanImage, PlanPull, WorkloadPlan } from './index.js'
import { checkHosts, checkImageName, checkSeed, imageRef, layerSeed, plainHosts, separateSeeds, sortPulls, uniqueBytes } from './plan.js'
import { deriveSeed, Rng } from './prng.js'

/** An image to roll out; ids default to `<name>/layer-<i>`, seeds to ones derived from the plan's seed and the id. */
export interface RolloutImage {
  name: string
  /** @default 'latest' */
  tag?: string
  layers: ReadonlyArray<{ id?: string, sizeBytes: number, seed?: number }>
}

export interface RolloutWorkloadOptions {
  image: RolloutImage
  hosts: readonly HostSpec[]
  /** Every host starts its pull within this window; 0 starts them all at once. */
  windowMs: number
  seed: number
  /** @default 0 */
  startMs?: number
}

export function rolloutWorkload (options: RolloutWorkloadOptions): WorkloadPlan {
  const { hosts, windowMs, seed } = options
  const startMs = options.startMs ?? 0
  checkHosts(hosts)
  checkSeed(seed)
  if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new WorkloadOptionError(`windowMs: ${windowMs} must be >= 0`)
  if (!(Number.isFinite(startMs) && startMs >= 0)) throw new WorkloadOptionError(`startMs: ${startMs} must be >= 0`)
  const image = planImage(options.image, seed)
  const ref = imageRef(image)
  const rng = new Rng(deriveSeed(seed, `rollout:${ref}`))
  const pulls: PlanPull[] = hosts.map((h, i) => ({ atMs: startMs + rng.float() * windowMs, host: i, hostName: h.name, region: h.region, image: ref }))
  sortPulls(pulls)
  const bytes = uniqueBytes([image])
  return {
    kind: 'rollout',
    seed,
    durationMs: startMs + windowMs,
    hosts: plainHosts(hosts),
    images: [image],
    pulls,
    uniqueBytes: bytes,
    pulledUniqueBytes: bytes
  }
}

function planImage (spec: RolloutImage, seed: number): PlanImage {
  const tag = spec.tag ?? DEFAULT_TAG
  checkImageName(spec.name, tag)
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw new WorkloadOptionError(`image ${spec.name}: give at least one layer`)
  const image: PlanImage = {
    name: spec.name,
    tag,
    layers: spec.layers.map((l, i) => {
      if (!(Number.isSafeInteger(l.sizeBytes) && l.sizeBytes >= 1)) throw new WorkloadOptionError(`image ${spec.name} layer ${i}: sizeBytes ${l.sizeBytes} must be a whole number >= 1`)
      const id = l.id ?? `${spec.name}/layer-${i}`
      return { id, sizeBytes: l.sizeBytes, seed: (l.seed ?? layerSeed(seed, id)) >>> 0 }
    })
  }
  // Given seeds are kept as given; only derived ones could meet by chance.
  if (spec.layers.every(l => l.seed === undefined)) separateSeeds([image])
  return image
}
