/**
 * The generator's images and their versions. Version 0 of each repository
 * is the catalog's image: its layers keep the catalog's digests (so layers
 * the catalog's images share stay shared) and sizes times `scale`. Versions
 * released during the trace keep the base and replace the top one or two
 * layers with new ones of about the same size (a rebuild of the app on the
 * same base). Each version rolls out region by region in its own order,
 * hours apart; a repository's next version starts only after the previous
 * one has reached every region, so versions never overtake each other.
 */
import { createHash } from 'node:crypto'
import type { Catalog } from '../catalog.js'
import { GEN_MANIFEST_BASE_BYTES, GEN_MANIFEST_BYTES_PER_LAYER, GEN_MAX_VERSIONS, GEN_RELEASE_GAP_MS, day } from '../constants.js'
import { TraceLimitError } from '../errors.js'
import { deriveSeed, Rng, WeightedPicker } from '../prng.js'
import type { ResolvedOptions } from './options.js'

/** Share of new versions that replace two layers rather than one (when the image has a base to keep). */
const TWO_NEW_LAYERS = 0.4
/** Log-spread of a new layer's size around the one it replaces. */
const NEW_LAYER_SIZE_SIGMA = 0.3
/** How much less skewed release frequency is than pull popularity (popular images are rebuilt more often, not proportionally). */
const RELEASE_POPULARITY_POWER = 0.5

export interface GenImage {
  /** `<repo>:v<version>`. */
  id: string
  repo: number
  version: number
  manifest: string
  manifestBytes: number
  /** Distinct layers, base first. */
  layers: string[]
  layerBytes: number[]
}

export interface GenVersion {
  repo: number
  image: number
  /** The version it replaces. */
  previous: number
  newLayers: string[]
  /** Region indexes in rollout order. */
  order: number[]
  /** When it reaches each region (by region index), ms since the trace's start. */
  releasedAtMs: number[]
}

export interface GenCatalog {
  repoNames: string[]
  /** Background pull probability of each repository (sums to 1). */
  popularity: number[]
  images: GenImage[]
  versions: GenVersion[]
  /** Per repository and region: `[fromMs, image]` in time order, version 0 from -Infinity. */
  available: Array<Array<Array<[number, number]>>>
}

const digest = (text: string): string => 'sha256:' + createHash('sha256').update(text).digest('hex')

export function buildImages (catalog: Catalog, o: ResolvedOptions): GenCatalog {
  const repos = catalog.repos
  const repoNames = repos.map(r => r.name)
  const raw = repos.map(r => Math.pow(Math.max(r.pullCount, 1), o.popularityExponent))
  const sum = raw.reduce((a, b) => a + b, 0)
  const popularity = raw.map(w => w / sum)
  // One size per digest, whichever image lists it, so a shared layer is one blob.
  const sizeOf = new Map<string, number>()
  for (const r of repos) for (const l of r.layers) if (!sizeOf.has(l.digest)) sizeOf.set(l.digest, Math.max(1, Math.round(l.sizeBytes * o.scale)))
  const images: GenImage[] = repos.map((r, i) => {
    const layers = [...new Set(r.layers.map(l => l.digest))]
    return makeImage(i, r.name, 0, digest(`shoal-gen-trace:manifest:${r.name}:${layers.join(',')}`), layers, layers.map(l => sizeOf.get(l)!))
  })

  const count = Math.round(o.versionsPerDay * o.durationMs / day)
  if (count > GEN_MAX_VERSIONS) throw new TraceLimitError(`${count} versions is more than ${GEN_MAX_VERSIONS}: lower versionsPerDay or durationMs`, 'versionsPerDay')
  const rng = new Rng(deriveSeed(o.seed, 'versions'))
  const picker = new WeightedPicker(popularity.map(p => Math.pow(p, RELEASE_POPULARITY_POWER)))
  const starts: Array<Array<number>> = repos.map(() => [])
  for (let k = 0; k < count; k++) {
    const repo = picker.pick(rng)
    starts[repo]!.push(rng.float() * o.durationMs)
  }
  const versions: GenVersion[] = []
  const available = repos.map((_r, i) => o.regions.map(() => [[-Infinity, i]] as Array<[number, number]>))
  starts.forEach((times, repo) => {
    times.sort((a, b) => a - b)
    let prevEnd = -Infinity
    let currentIndex = repo
    let current = images[repo]!
    for (const [n, drawn] of times.entries()) {
      const start = Math.max(drawn, prevEnd + GEN_RELEASE_GAP_MS)
      if (start >= o.durationMs) break
      const vr = new Rng(deriveSeed(o.seed, `version:${repoNames[repo]!}:${n + 1}`))
      const order = vr.shuffle(o.regions.map((_r, i) => i))
      const releasedAtMs = new Array<number>(o.regions.length)
      let at = start
      for (const [j, region] of order.entries()) {
        if (j > 0) at += vr.uniform(o.rolloutLagMinMs, o.rolloutLagMaxMs)
        releasedAtMs[region] = Math.round(at)
      }
      prevEnd = at
      const next = nextVersion(current, n + 1, repoNames[repo]!, o.seed, vr)
      const index = images.push(next) - 1
      versions.push({ repo, image: index, previous: currentIndex, newLayers: next.layers.filter(l => !current.layers.includes(l)), order, releasedAtMs })
      for (const [region, t] of releasedAtMs.entries()) available[repo]![region]!.push([t, index])
      current = next
      currentIndex = index
    }
  })
  versions.sort((a, b) => Math.min(...a.releasedAtMs) - Math.min(...b.releasedAtMs) || a.repo - b.repo)
  return { repoNames, popularity, images, versions, available }
}

function nextVersion (prev: GenImage, version: number, repoName: string, seed: number, rng: Rng): GenImage {
  const n = prev.layers.length
  const replaced = n === 1 ? 1 : Math.min(n - 1, rng.float() < TWO_NEW_LAYERS ? 2 : 1)
  const layers = prev.layers.slice(0, n - replaced)
  const layerBytes = prev.layerBytes.slice(0, n - replaced)
  for (let i = n - replaced; i < n; i++) {
    layers.push(digest(`shoal-gen-trace:${seed}:${repoName}:v${version}:layer${i}`))
    layerBytes.push(Math.max(1, Math.round(prev.layerBytes[i]! * Math.exp(NEW_LAYER_SIZE_SIGMA * rng.normal()))))
  }
  return makeImage(prev.repo, repoName, version, digest(`shoal-gen-trace:${seed}:${repoName}:v${version}:manifest`), layers, layerBytes)
}

function makeImage (repo: number, repoName: string, version: number, manifest: string, layers: string[], layerBytes: number[]): GenImage {
  return { id: `${repoName}:v${version}`, repo, version, manifest, manifestBytes: GEN_MANIFEST_BASE_BYTES + GEN_MANIFEST_BYTES_PER_LAYER * layers.length, layers, layerBytes }
}

/** The version of `repo` a pull in `region` at `tMs` gets: the newest that has reached the region. */
export function imageAt (g: GenCatalog, repo: number, region: number, tMs: number): number {
  const list = g.available[repo]![region]!
  for (let i = list.length - 1; i > 0; i--) if (list[i]![0] <= tMs) return list[i]![1]
  return list[0]![1]
}
