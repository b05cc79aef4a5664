/**
 * Hosts turn pulls into requests. A pull asks for the image's manifest, then,
 * within seconds, for each layer the host does not hold (an ephemeral client
 * holds nothing). A host keeps a
 * bounded store (least recently used layers go first) and is replaced now and
 * then (exponential lifetimes) by an empty one with a new client name, so
 * base layers come back into the trace. Only pulls from time 0 on are
 * recorded; the warm-up fills the stores.
 */
import type { TraceRequest } from '../../types.js'
import { GEN_FIRST_LAYER_DELAY_MS, GEN_LAYER_GAP_MAX_MS, GEN_MAX_ROWS } from '../constants.js'
import { TraceLimitError } from '../errors.js'
import { deriveSeed, Rng } from '../prng.js'
import type { GenCatalog } from './images.js'
import type { ResolvedOptions } from './options.js'
import type { Pull } from './pulls.js'

/** Layers by recency (a Map keeps insertion order: the first key is the least recently used). */
class HostStore {
  private readonly layers = new Map<string, number>()
  private used = 0

  constructor (private readonly capacityBytes: number) {}

  has (layer: string): boolean {
    return this.layers.has(layer)
  }

  /** Keep `layer` as the most recently used, evicting the least recently used to make room; one bigger than the store is not kept. */
  touch (layer: string, bytes: number): void {
    const held = this.layers.get(layer)
    if (held !== undefined) {
      this.layers.delete(layer)
      this.used -= held
    }
    if (bytes > this.capacityBytes) return
    for (const [old, size] of this.layers) {
      if (this.used + bytes <= this.capacityBytes) break
      this.layers.delete(old)
      this.used -= size
    }
    this.layers.set(layer, bytes)
    this.used += bytes
  }
}

interface Host {
  generation: number
  replaceAtMs: number
  store: HostStore
  client: string
  rng: Rng
}

export interface HostRun {
  requests: TraceRequest[]
  /** Pulls recorded (from time 0 on), and how many of those were rollouts and by ephemeral clients. */
  pulls: number
  rolloutPulls: number
  ephemeralPulls: number
  /** Hosts replaced from time 0 on. */
  replacements: number
}

export function runHosts (g: GenCatalog, o: ResolvedOptions, pulls: readonly Pull[]): HostRun {
  const hosts: Host[][] = o.regions.map((region, r) => Array.from({ length: region.hosts }, (_x, slot) => {
    const rng = new Rng(deriveSeed(o.seed, `host:${region.name}:${slot}`))
    return { generation: 0, replaceAtMs: -o.warmupMs + rng.exponential(o.hostLifetimeMs), store: new HostStore(o.hostStoreBytes), client: clientName(o, r, slot, 0), rng }
  }))
  const delays = new Rng(deriveSeed(o.seed, 'layer-delays'))
  const requests: TraceRequest[] = []
  let recorded = 0
  let rolloutPulls = 0
  let ephemeralPulls = 0
  let replacements = 0
  for (const p of pulls) {
    if (p.tMs >= o.durationMs) break
    let client: string
    let store: HostStore | undefined
    if (p.ephemeral) {
      client = `${o.regions[p.region]!.name}-ci${p.slot}`
    } else {
      const host = hosts[p.region]![p.slot]!
      while (host.replaceAtMs <= p.tMs) {
        if (host.replaceAtMs >= 0) replacements++
        host.generation++
        host.replaceAtMs += host.rng.exponential(o.hostLifetimeMs)
        host.store = new HostStore(o.hostStoreBytes)
        host.client = clientName(o, p.region, p.slot, host.generation)
      }
      client = host.client
      store = host.store
    }
    const image = g.images[p.image]!
    const record = p.tMs >= 0
    const region = o.regions[p.region]!.name
    const repo = g.repoNames[image.repo]!
    if (record) {
      recorded++
      if (p.rollout) rolloutPulls++
      if (p.ephemeral) ephemeralPulls++
      requests.push({ tsMs: o.startMs + Math.floor(p.tMs), client, blob: image.manifest, bytes: image.manifestBytes, repo, region, kind: 'manifest' })
    }
    let at = p.tMs + GEN_FIRST_LAYER_DELAY_MS
    for (const [i, layer] of image.layers.entries()) {
      const bytes = image.layerBytes[i]!
      if (store === undefined || !store.has(layer)) {
        at += delays.float() * GEN_LAYER_GAP_MAX_MS
        if (record && at < o.durationMs) requests.push({ tsMs: o.startMs + Math.floor(at), client, blob: layer, bytes, repo, region, kind: 'blob' })
      }
      store?.touch(layer, bytes)
    }
    if (requests.length > GEN_MAX_ROWS) throw new TraceLimitError(`more than ${GEN_MAX_ROWS} rows: lower pullsPerHour, targetRows or durationMs`, 'targetRows')
  }
  // Stable: a pull's layer requests stay after its manifest, and ties keep the pulls' order.
  requests.sort((a, b) => a.tsMs - b.tsMs)
  return { requests, pulls: recorded, rolloutPulls, ephemeralPulls, replacements }
}

function clientName (o: ResolvedOptions, region: number, slot: number, generation: number): string {
  return `${o.regions[region]!.name}-host${String(slot).padStart(3, '0')}-g${generation}`
}
