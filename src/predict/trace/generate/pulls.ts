/**
 * When images are pulled, where, and by which host. Each host place runs a
 * workload: a few repositories drawn by popularity (a replacement host runs
 * the same). Background pulls arrive in each region as a non-homogeneous
 * Poisson process whose rate follows the region's local day (`mean x (1 +
 * amplitude x cos(2 pi (local hour - peak) / 24))`, drawn by thinning a
 * process at the peak rate). A share of them are ephemeral clients (a new
 * one each time) pulling any repository by popularity; the others pick a
 * host of the region uniformly, then a repository of its workload. Either
 * gets the newest version that has reached the region. When
 * a version reaches a region, every host there whose workload has the
 * repository deploys it within a short window. Pulls start `warmupMs` before
 * time 0 so that host stores are warm when recording starts.
 */
import {
  GEN_MAX_PULLS, GEN_PEAK_LOCAL_HOUR, GEN_ROLLOUT_WINDOW_MS, GEN_WORKLOAD_MAX_IMAGES, GEN_WORKLOAD_MIN_IMAGES,
  hour
} from '../constants.js'
import { TraceLimitError } from '../errors.js'
import { deriveSeed, Rng, WeightedPicker } from '../prng.js'
import { imageAt, type GenCatalog } from './images.js'
import type { ResolvedOptions } from './options.js'

export interface Pull {
  /** ms since the trace's start; negative during the warm-up. */
  tMs: number
  region: number
  /** The host's place in its region (hosts are replaced, places stay); for an ephemeral client, its number in the region. */
  slot: number
  image: number
  rollout: boolean
  /** A new client holding nothing (and not one of the region's hosts). */
  ephemeral: boolean
}

export interface PullPlan {
  /** In time order. */
  pulls: Pull[]
  /** Per version (as in `GenCatalog.versions`), per region: hosts that deployed it. */
  rolloutHosts: number[][]
}

/** The daily cycle's factor on the mean rate at `tMs` (ms since the trace's start) in a region `utcOffsetHours` from UTC. */
export function dailyFactor (o: Pick<ResolvedOptions, 'startMs' | 'dailyAmplitude'>, utcOffsetHours: number, tMs: number): number {
  const localHour = (((o.startMs + tMs) / hour + utcOffsetHours) % 24 + 24) % 24
  return 1 + o.dailyAmplitude * Math.cos(2 * Math.PI * (localHour - GEN_PEAK_LOCAL_HOUR) / 24)
}

export function planPulls (g: GenCatalog, o: ResolvedOptions, pullsPerHour: number): PullPlan {
  const totalHosts = o.regions.reduce((n, r) => n + r.hosts, 0)
  const expected = pullsPerHour * (o.durationMs + o.warmupMs) / hour
  if (expected > GEN_MAX_PULLS) throw new TraceLimitError(`about ${Math.round(expected)} pulls is more than ${GEN_MAX_PULLS}: lower pullsPerHour, targetRows, durationMs or warmupMs`, 'pullsPerHour')
  const picker = new WeightedPicker(g.popularity)
  const workloads = o.regions.map(region => Array.from({ length: region.hosts }, (_x, slot) => workload(g, picker, new Rng(deriveSeed(o.seed, `workload:${region.name}:${slot}`)))))
  const pulls: Pull[] = []
  const peak = 1 + o.dailyAmplitude
  o.regions.forEach((region, r) => {
    const rng = new Rng(deriveSeed(o.seed, `arrivals:${region.name}`))
    const peakGapMs = hour / (pullsPerHour * region.hosts / totalHosts) / peak
    let ephemeral = 0
    for (let t = -o.warmupMs + rng.exponential(peakGapMs); t < o.durationMs; t += rng.exponential(peakGapMs)) {
      if (rng.float() * peak >= dailyFactor(o, region.utcOffsetHours, t)) continue
      if (rng.float() < o.ephemeralShare) {
        pulls.push({ tMs: t, region: r, slot: ephemeral++, image: imageAt(g, picker.pick(rng), r, t), rollout: false, ephemeral: true })
      } else {
        const slot = rng.int(region.hosts)
        const own = workloads[r]![slot]!
        pulls.push({ tMs: t, region: r, slot, image: imageAt(g, own[rng.int(own.length)]!, r, t), rollout: false, ephemeral: false })
      }
      if (pulls.length > GEN_MAX_PULLS) throw new TraceLimitError(`more than ${GEN_MAX_PULLS} pulls: lower pullsPerHour, targetRows, durationMs or warmupMs`, 'pullsPerHour')
    }
  })
  const rolloutHosts = g.versions.map(v => v.releasedAtMs.map((at, r) => {
    if (at >= o.durationMs) return 0
    const rng = new Rng(deriveSeed(o.seed, `rollout:${g.images[v.image]!.id}:${o.regions[r]!.name}`))
    let hosts = 0
    workloads[r]!.forEach((own, slot) => {
      if (!own.includes(v.repo)) return
      hosts++
      pulls.push({ tMs: at + rng.float() * GEN_ROLLOUT_WINDOW_MS, region: r, slot, image: v.image, rollout: true, ephemeral: false })
    })
    return hosts
  }))
  pulls.sort((a, b) => a.tMs - b.tMs || a.region - b.region || Number(a.ephemeral) - Number(b.ephemeral) || a.slot - b.slot || a.image - b.image)
  return { pulls, rolloutHosts }
}

/** Distinct repositories drawn by popularity. */
function workload (g: GenCatalog, picker: WeightedPicker, rng: Rng): number[] {
  const want = Math.min(g.popularity.length, GEN_WORKLOAD_MIN_IMAGES + rng.int(GEN_WORKLOAD_MAX_IMAGES - GEN_WORKLOAD_MIN_IMAGES + 1))
  const chosen = new Set<number>()
  // Rejection is quick while the workload is small beside the catalog; the bound keeps a tiny or lopsided catalog from spinning.
  for (let tries = 0; chosen.size < want && tries < 100 * want; tries++) chosen.add(picker.pick(rng))
  return [...chosen]
}
