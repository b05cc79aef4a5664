/** Seeded transactions and sessions with planted structure, for the rule tests. */
import { seededRandom } from '../../../sim/random.js'
import type { TraceRequest } from '../../../src/predict/types.js'

/** Uniform floats in [0, 1) from a seed. */
export function uniform (seed: number): () => number {
  const next = seededRandom(seed)
  return () => next() / 2 ** 32
}

/** Every itemset of at most `maxSize` items held by at least `minCount` transactions, by enumeration: the reference for fpGrowth. */
export function bruteForceItemsets (transactions: readonly string[][], minCount: number, maxSize: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (const transaction of transactions) {
    const items = [...new Set(transaction)].sort()
    const walk = (from: number, chosen: string[]): void => {
      if (chosen.length > 0) counts.set(JSON.stringify(chosen), (counts.get(JSON.stringify(chosen)) ?? 0) + 1)
      if (chosen.length === maxSize) return
      for (let i = from; i < items.length; i++) walk(i + 1, [...chosen, items[i] as string])
    }
    walk(0, [])
  }
  return new Map([...counts].filter(([, count]) => count >= minCount))
}

export interface PlantedWorld {
  requests: TraceRequest[]
  /** Groups of items pulled together (disjoint from each other and from the noise). */
  groups: string[][]
  /** `inclusion[k]`: the chance item k of a pulled group is requested. */
  inclusion: readonly number[]
  /** Sessions generated. */
  sessions: number
}

export interface PlantOptions {
  seed: number
  clients?: number
  /** Sessions per client, one an hour. */
  sessionsPerClient?: number
  groups?: number
  noiseItems?: number
  /** Most noise items per session. */
  noisePerSession?: number
}

/**
 * Hosts pull one or two "images" a session: groups of 5 items where item k
 * is requested with chance `inclusion[k]`, about 1 s after item k-1 (so
 * P(item b | item a) = inclusion[b], and b follows a when b > a), plus a few
 * noise items of skewed popularity at random moments. One session per
 * client per hour, so sessions never merge.
 */
export function plantedWorld (options: PlantOptions): PlantedWorld {
  const random = uniform(options.seed)
  const clients = options.clients ?? 100
  const perClient = options.sessionsPerClient ?? 30
  const groupCount = options.groups ?? 20
  const noiseCount = options.noiseItems ?? 300
  const noisePerSession = options.noisePerSession ?? 3
  const inclusion = [1, 0.9, 0.8, 0.6, 0.5]
  const groups = Array.from({ length: groupCount }, (_, g) => inclusion.map((_, k) => `g${g}-i${k}`))
  const requests: TraceRequest[] = []
  const hour = 3_600_000
  for (let c = 0; c < clients; c++) {
    for (let s = 0; s < perClient; s++) {
      const startMs = s * hour + Math.floor(random() * 20 * 60_000)
      const first = Math.floor(random() * groupCount)
      const picked = random() < 0.5 ? [first] : [first, (first + 1 + Math.floor(random() * (groupCount - 1))) % groupCount]
      for (const g of picked) {
        const groupStartMs = startMs + Math.floor(random() * 60_000)
        inclusion.forEach((p, k) => {
          if (random() < p) requests.push(request(groupStartMs + k * 1000 + Math.floor(random() * 200), `host-${c}`, (groups[g] as string[])[k] as string))
        })
      }
      const noise = Math.floor(random() * (noisePerSession + 1))
      for (let i = 0; i < noise; i++) {
        const item = `noise-${Math.floor(noiseCount * random() ** 2)}`
        requests.push(request(startMs + Math.floor(random() * 90_000), `host-${c}`, item))
      }
    }
  }
  requests.sort((a, b) => a.tsMs - b.tsMs)
  return { requests, groups, inclusion, sessions: clients * perClient }
}

export function request (tsMs: number, client: string, blob: string, region?: string): TraceRequest {
  return { tsMs, client, blob, bytes: 1000, kind: 'blob', ...(region === undefined ? {} : { region }) }
}
