/**
 * Seeded draws (splitmix32), so the same seed gives the same catalog and the
 * same trace on every machine. Each part (each region's arrivals, each
 * host's life) gets its own stream from `deriveSeed(seed, label)`, so adding
 * a region does not reshuffle the others. The simulator's generators
 * (`sim/workload/prng.ts`) draw the same numbers from the same seeds.
 */

const TWO_POW_32 = 4294967296

/** A seeded 32-bit generator (splitmix32): the same seed, the same sequence, on every machine. */
export function seededRandom (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** A 32-bit seed for the stream named `label` under `seed` (FNV-1a of the label, mixed with the seed). */
export function deriveSeed (seed: number, label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return seededRandom((h ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0)()
}

export class Rng {
  private readonly next: () => number

  constructor (seed: number) {
    this.next = seededRandom(seed)
  }

  uint32 (): number {
    return this.next()
  }

  /** Uniform in [0, 1). */
  float (): number {
    return this.next() / TWO_POW_32
  }

  /** Uniform integer in [0, n). */
  int (n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Uniform in [from, to). */
  uniform (from: number, to: number): number {
    return from + this.float() * (to - from)
  }

  /** Exponentially distributed with this mean: the gap between Poisson arrivals. */
  exponential (mean: number): number {
    return -mean * Math.log(1 - this.float())
  }

  /** Standard normal (Box-Muller). */
  normal (): number {
    const u = 1 - this.float()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float())
  }

  /** `exp(ln(from) + U * (ln(to) - ln(from)))`: uniform in log space. */
  logUniform (from: number, to: number): number {
    return Math.exp(Math.log(from) + this.float() * (Math.log(to) - Math.log(from)))
  }

  /** Fisher-Yates, in place. */
  shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    return items
  }
}

/** Picks an index with probability proportional to its weight (cumulative sums, binary search). */
export class WeightedPicker {
  private readonly cumulative: Float64Array
  private readonly total: number

  constructor (weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('no weights to pick from')
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is ${w}: weights must be finite and >= 0`)
      sum += w
      this.cumulative[i] = sum
    })
    if (sum <= 0) throw new RangeError('weights sum to 0')
    this.total = sum
  }

  pick (rng: Rng): number {
    const x = rng.float() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cumulative[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}
