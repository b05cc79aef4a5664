/**
 * Seeded draws for the workload generators, on top of `sim/random.ts`'s
 * splitmix32, so the same seed gives the same plan on every machine. Each
 * part of a plan (each region's arrivals, each layer's bytes) gets its own
 * stream from `deriveSeed(seed, label)`, so adding a region or an image does
 * not reshuffle the others.
 */
import { seededRandom } from '../random.js'

const TWO_POW_32 = 4294967296

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
